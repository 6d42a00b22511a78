/*
 * Unit tests of server/services/privacy.c against a real SQLite store: erasure of removed
 * and deleted accounts, anonymisation of a member left without active accounts, the
 * last-manager and last-administrator rules, revocation, and the export.
 */
#include "members_fixture.h"

#include "mt_json.h"
#include "privacy.h"

static char net1[MT_ID_SIZE];

static void
assert_erased (fx_t *fx, const char *id, const char *status)
{
  bson_t stored;
  char placeholder[96];

  fx_get (fx, true, id, &stored);
  snprintf (placeholder, sizeof placeholder, "deleted+%s@invalid", id);
  assert_string_equal (mt_bson_str (&stored, "status"), status);
  assert_string_equal (mt_bson_str (&stored, "name"), "Compte supprimé");
  assert_string_equal (mt_bson_str (&stored, "email"), placeholder);
  assert_string_equal (mt_bson_str (&stored, "email_key"), placeholder);
  assert_false (mt_bson_has (&stored, "password_hash"));
  assert_false (mt_bson_has (&stored, "invitation"));
  assert_int_equal (mt_bson_date (&stored, "tokens_not_before", 0), FX_NOW_MS);
  assert_int_equal (mt_bson_date (&stored, "erased_at", 0), FX_NOW_MS);
  assert_non_null (mt_bson_str (&stored, "member_role"));
  assert_non_null (mt_bson_str (&stored, "member_id"));
  assert_int_equal (mt_bson_int (&stored, "version", 0), 2);
  bson_destroy (&stored);
}

static void
assert_member_status (fx_t *fx, const char *id, const char *status)
{
  bson_t stored;

  fx_get (fx, false, id, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), status);
  bson_destroy (&stored);
}

/* An invited account with an invitation sub-document, as mt_member_invite writes it. */
static void
add_invited (fx_t *fx, const char *member_id, char id_out[MT_ID_SIZE])
{
  bson_t account;
  bson_t next;
  bson_t invitation;
  mt_error_t error;

  fx_account (fx, member_id, "staff", "invited", NULL, id_out);
  fx_get (fx, true, id_out, &account);
  bson_copy_to (&account, &next);
  BSON_APPEND_DOCUMENT_BEGIN (&next, "invitation", &invitation);
  BSON_APPEND_UTF8 (&invitation, "token_hash", "00");
  BSON_APPEND_DATE_TIME (&invitation, "expires_at", FX_NOW_MS + 1000);
  bson_append_document_end (&next, &invitation);
  if (!fx->store->ops->account_update (fx->store, id_out, 1, &next, &error)) {
    fail_msg ("invitation: %s", error.message);
  }
  bson_destroy (&account);
  bson_destroy (&next);
}

/* The invited account @id was erased as "removed": its invitation can no longer be accepted. */
static void
assert_invitation_withdrawn (fx_t *fx, const char *id)
{
  bson_t stored;

  fx_get (fx, true, id, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "removed");
  assert_string_equal (mt_bson_str (&stored, "name"), "Compte supprimé");
  assert_false (mt_bson_has (&stored, "invitation"));
  bson_destroy (&stored);
}

/* ---- Removal by a manager ----------------------------------------------------------------- */

static void
remove_erases_personal_data (void **state)
{
  fx_t *fx = *state;
  const char *const n1[] = { net1, NULL };
  char member[MT_ID_SIZE], manager[MT_ID_SIZE], staff[MT_ID_SIZE];
  fx_caller_t m;

  fx_network (fx, "apes", net1);
  fx_member (fx, "active", NULL, n1, member, manager);
  fx_account (fx, member, "staff", "active", NULL, staff);
  fx_caller (fx, manager, &m);
  OK (mt_member_remove_account (&m.ctx, member, staff, &fx_err));
  assert_erased (fx, staff, "removed");
  assert_member_status (fx, member, "active");
  /* once erased, it is gone */
  FAILS (mt_member_remove_account (&m.ctx, member, staff, &fx_err), MT_ERR_NOT_FOUND);
  fx_caller_destroy (&m);
}

static void
remove_invited_withdraws_invitation (void **state)
{
  fx_t *fx = *state;
  const char *const n1[] = { net1, NULL };
  char member[MT_ID_SIZE], manager[MT_ID_SIZE], invited[MT_ID_SIZE];
  fx_caller_t m;

  fx_network (fx, "apes", net1);
  fx_member (fx, "active", NULL, n1, member, manager);
  add_invited (fx, member, invited);
  fx_caller (fx, manager, &m);
  OK (mt_member_remove_account (&m.ctx, member, invited, &fx_err));
  assert_invitation_withdrawn (fx, invited);
  assert_member_status (fx, member, "active");
  fx_caller_destroy (&m);
}

static void
remove_refuses_last_manager (void **state)
{
  fx_t *fx = *state;
  const char *const n1[] = { net1, NULL };
  char member[MT_ID_SIZE], manager[MT_ID_SIZE], staff[MT_ID_SIZE], second[MT_ID_SIZE];
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];
  fx_caller_t m, a;
  bson_t stored;

  fx_network (fx, "apes", net1);
  fx_member (fx, "active", NULL, n1, member, manager);
  fx_account (fx, member, "staff", "active", NULL, staff);
  fx_member (fx, "active", "platform", NULL, adm, admin);
  fx_caller (fx, manager, &m);
  fx_caller (fx, admin, &a);
  FAILS (mt_member_remove_account (&m.ctx, member, manager, &fx_err), MT_ERR_CONFLICT);
  FAILS (mt_member_remove_account (&a.ctx, member, manager, &fx_err), MT_ERR_CONFLICT);
  fx_get (fx, true, manager, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "active");
  bson_destroy (&stored);
  /* an invited manager does not count: still the last active one */
  fx_account (fx, member, "manager", "invited", NULL, second);
  FAILS (mt_member_remove_account (&a.ctx, member, manager, &fx_err), MT_ERR_CONFLICT);
  fx_account (fx, member, "manager", "active", NULL, second);
  OK (mt_member_remove_account (&a.ctx, member, manager, &fx_err));
  assert_erased (fx, manager, "removed");
  fx_caller_destroy (&m);
  fx_caller_destroy (&a);
}

static void
remove_across_members_is_not_found (void **state)
{
  fx_t *fx = *state;
  const char *const n1[] = { net1, NULL };
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE];
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE], b_staff[MT_ID_SIZE];
  char s_staff[MT_ID_SIZE];
  fx_caller_t m;

  fx_network (fx, "apes", net1);
  fx_member (fx, "active", NULL, n1, a, a_manager);
  fx_member (fx, "active", NULL, n1, b, b_manager);
  fx_account (fx, b, "staff", "active", NULL, b_staff);
  fx_account (fx, a, "staff", "active", NULL, s_staff);
  fx_caller (fx, a_manager, &m);
  /* b's account through b's path, and through a's own path */
  FAILS (mt_member_remove_account (&m.ctx, b, b_staff, &fx_err), MT_ERR_NOT_FOUND);
  FAILS (mt_member_remove_account (&m.ctx, a, b_staff, &fx_err), MT_ERR_NOT_FOUND);
  assert_member_status (fx, b, "active");
  {
    bson_t stored;
    fx_get (fx, true, b_staff, &stored);
    assert_string_equal (mt_bson_str (&stored, "status"), "active");
    bson_destroy (&stored);
  }
  fx_caller_destroy (&m);
  /* staff may not remove colleagues */
  fx_caller (fx, s_staff, &m);
  FAILS (mt_member_remove_account (&m.ctx, a, a_manager, &fx_err), MT_ERR_FORBIDDEN);
  fx_caller_destroy (&m);
}

/* ---- Deletion of one's own account -------------------------------------------------------- */

static void
delete_last_manager_with_colleagues_conflicts (void **state)
{
  fx_t *fx = *state;
  const char *const n1[] = { net1, NULL };
  char member[MT_ID_SIZE], manager[MT_ID_SIZE], staff[MT_ID_SIZE];
  fx_caller_t m, s;
  bool revoked = true;

  fx_network (fx, "apes", net1);
  fx_member (fx, "active", NULL, n1, member, manager);
  fx_account (fx, member, "staff", "active", NULL, staff);
  fx_caller (fx, manager, &m);
  fx_caller (fx, staff, &s);
  FAILS (mt_privacy_delete_me (&m.ctx, &fx_err), MT_ERR_CONFLICT);
  OK (fx->store->ops->token_is_revoked (fx->store, m.principal.jti, &revoked, &fx_err));
  assert_false (revoked);
  /* staff may leave; the member stays */
  OK (mt_privacy_delete_me (&s.ctx, &fx_err));
  assert_erased (fx, staff, "deleted");
  assert_member_status (fx, member, "active");
  OK (fx->store->ops->token_is_revoked (fx->store, s.principal.jti, &revoked, &fx_err));
  assert_true (revoked);
  fx_caller_destroy (&m);
  fx_caller_destroy (&s);
}

static void
delete_last_account_anonymises_member (void **state)
{
  fx_t *fx = *state;
  const char *const n1[] = { net1, NULL };
  char member[MT_ID_SIZE], manager[MT_ID_SIZE], invited[MT_ID_SIZE];
  fx_caller_t m;
  bson_t stored;
  bool revoked = false;

  fx_network (fx, "apes", net1);
  fx_member (fx, "pending", NULL, n1, member, manager);
  add_invited (fx, member, invited);
  fx_caller (fx, manager, &m);
  OK (mt_privacy_delete_me (&m.ctx, &fx_err));
  assert_erased (fx, manager, "deleted");
  OK (fx->store->ops->token_is_revoked (fx->store, m.principal.jti, &revoked, &fx_err));
  assert_true (revoked);
  fx_get (fx, false, member, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "deleted");
  assert_string_equal (mt_bson_str (&stored, "name"), "Structure supprimée");
  assert_false (mt_bson_has (&stored, "description"));
  assert_false (mt_bson_has (&stored, "contact"));
  assert_string_equal (mt_bson_str (&stored, "territory.departement"), "59");
  assert_false (mt_bson_has (&stored, "territory.commune"));
  assert_true (mt_bson_array_has_str (&stored, "networks", net1));
  assert_string_equal (mt_bson_str (&stored, "kind"), "association");
  assert_int_equal (mt_bson_date (&stored, "deleted_at", 0), FX_NOW_MS);
  bson_destroy (&stored);
  /* its pending invitation cannot be accepted any more */
  assert_invitation_withdrawn (fx, invited);
  fx_caller_destroy (&m);
}

static void
delete_refuses_last_administrator (void **state)
{
  fx_t *fx = *state;
  const char *const n1[] = { net1, NULL };
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE], other[MT_ID_SIZE], other_admin[MT_ID_SIZE];
  fx_caller_t a, o;

  fx_network (fx, "apes", net1);
  fx_member (fx, "active", "platform", NULL, adm, admin);
  fx_caller (fx, admin, &a);
  FAILS (mt_privacy_delete_me (&a.ctx, &fx_err), MT_ERR_CONFLICT);
  /* a second administrator elsewhere: the first may go; the platform's member stays */
  fx_member (fx, "active", NULL, n1, other, NULL);
  fx_account (fx, other, "manager", "active", "admin", other_admin);
  OK (mt_privacy_delete_me (&a.ctx, &fx_err));
  assert_erased (fx, admin, "deleted");
  assert_member_status (fx, adm, "active");
  fx_caller (fx, other_admin, &o);
  FAILS (mt_privacy_delete_me (&o.ctx, &fx_err), MT_ERR_CONFLICT);
  fx_caller_destroy (&a);
  fx_caller_destroy (&o);
}

/* ---- Export ------------------------------------------------------------------------------- */

static void
export_holds_account_member_colleagues_networks (void **state)
{
  fx_t *fx = *state;
  const char *const n1[] = { net1, NULL };
  char member[MT_ID_SIZE], manager[MT_ID_SIZE], staff[MT_ID_SIZE], invited[MT_ID_SIZE];
  char gone[MT_ID_SIZE];
  fx_caller_t s;
  bson_t out;
  char *json;

  fx_network (fx, "apes", net1);
  fx_member (fx, "active", NULL, n1, member, manager);
  fx_account (fx, member, "staff", "active", NULL, staff);
  add_invited (fx, member, invited);
  fx_account (fx, member, "staff", "deleted", NULL, gone);
  fx_caller (fx, staff, &s);
  OK (mt_privacy_export (&s.ctx, &out, &fx_err));
  assert_int_equal (mt_bson_date (&out, "exported_at", 0), FX_NOW_MS);
  assert_string_equal (mt_bson_str (&out, "account.id"), staff);
  assert_non_null (mt_bson_str (&out, "account.email"));
  assert_string_equal (mt_bson_str (&out, "member.id"), member);
  assert_non_null (mt_bson_str (&out, "member.description"));
  /* colleagues: the manager and the invited account, not oneself nor erased records */
  assert_string_equal (mt_bson_str (&out, "colleagues.0.id"), manager);
  assert_string_equal (mt_bson_str (&out, "colleagues.1.id"), invited);
  assert_false (mt_bson_has (&out, "colleagues.2"));
  assert_string_equal (mt_bson_str (&out, "networks.0.id"), net1);
  assert_string_equal (mt_bson_str (&out, "networks.0.slug"), "apes");
  json = mt_json_from_bson (&out, NULL);
  assert_non_null (json);
  assert_null (strstr (json, "password_hash"));
  assert_null (strstr (json, "email_key"));
  assert_null (strstr (json, "token_hash"));
  assert_null (strstr (json, "invitation"));
  free (json);
  bson_destroy (&out);
  fx_caller_destroy (&s);
}

static void
anonymised_member_keeps_only_statistics (void **state)
{
  bson_t member = BSON_INITIALIZER;
  bson_t territory, coordinates;
  bson_t out;
  const char *const nets[] = { "net_AAAAAAAAAAAAAAAAAAAAAA", NULL };

  (void) state;
  BSON_APPEND_UTF8 (&member, "id", "mem_AAAAAAAAAAAAAAAAAAAAAA");
  BSON_APPEND_INT64 (&member, "version", 4);
  BSON_APPEND_UTF8 (&member, "name", "Ressourcerie du Pévèle");
  BSON_APPEND_UTF8 (&member, "kind", "association");
  BSON_APPEND_DOCUMENT_BEGIN (&member, "territory", &territory);
  BSON_APPEND_UTF8 (&territory, "departement", "2A");
  BSON_APPEND_UTF8 (&territory, "commune", "Ajaccio");
  BSON_APPEND_DOCUMENT_BEGIN (&territory, "coordinates", &coordinates);
  BSON_APPEND_DOUBLE (&coordinates, "lat", 41.9);
  BSON_APPEND_DOUBLE (&coordinates, "lon", 8.7);
  bson_append_document_end (&territory, &coordinates);
  bson_append_document_end (&member, &territory);
  BSON_APPEND_UTF8 (&member, "description", "texte");
  BSON_APPEND_UTF8 (&member, "status", "suspended");
  BSON_APPEND_UTF8 (&member, "status_reason", "plainte de Mme X");
  mt_bson_append_str_array (&member, "networks", nets);
  mt_member_anonymised (&member, FX_NOW_MS, &out);
  assert_string_equal (mt_bson_str (&out, "name"), "Structure supprimée");
  assert_string_equal (mt_bson_str (&out, "status"), "deleted");
  assert_string_equal (mt_bson_str (&out, "territory.departement"), "2A");
  assert_false (mt_bson_has (&out, "territory.commune"));
  assert_false (mt_bson_has (&out, "territory.coordinates"));
  assert_false (mt_bson_has (&out, "description"));
  assert_false (mt_bson_has (&out, "status_reason"));
  assert_true (mt_bson_array_has_str (&out, "networks", nets[0]));
  assert_string_equal (mt_bson_str (&out, "id"), "mem_AAAAAAAAAAAAAAAAAAAAAA");
  bson_destroy (&out);
  bson_destroy (&member);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    { "privacy/remove/erases_personal_data", remove_erases_personal_data, fx_setup, fx_teardown,
      NULL },
    { "privacy/remove/invited_withdraws_invitation", remove_invited_withdraws_invitation, fx_setup,
      fx_teardown, NULL },
    { "privacy/remove/refuses_last_manager", remove_refuses_last_manager, fx_setup, fx_teardown,
      NULL },
    { "privacy/remove/across_members_not_found", remove_across_members_is_not_found, fx_setup,
      fx_teardown, NULL },
    { "privacy/delete/last_manager_with_colleagues_409",
      delete_last_manager_with_colleagues_conflicts, fx_setup, fx_teardown, NULL },
    { "privacy/delete/last_account_anonymises_member", delete_last_account_anonymises_member,
      fx_setup, fx_teardown, NULL },
    { "privacy/delete/refuses_last_administrator", delete_refuses_last_administrator, fx_setup,
      fx_teardown, NULL },
    { "privacy/export/contents", export_holds_account_member_colleagues_networks, fx_setup,
      fx_teardown, NULL },
    { "privacy/anonymise/member_keeps_statistics", anonymised_member_keeps_only_statistics, NULL,
      NULL, NULL },
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
