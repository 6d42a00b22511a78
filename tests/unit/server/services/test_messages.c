/*
 * Unit tests of services/messages.c against a real SQLite store: who may read and write a
 * reservation's thread (borrower's and owner's accounts, administrators; anyone else gets
 * "not found"), what is recorded (author account, member and role), the order and the pages,
 * the text rules (1..4000 characters, not only white space) and message_create.json.
 */
#include "members_fixture.h"

#include "messages.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"

extern const mt_embed_file_t mutua_schema_files[];

#define DAY INT64_C (86400000)

typedef struct {
  char net[MT_ID_SIZE];
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE], a_staff[MT_ID_SIZE]; /* the owner */
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE], b_staff[MT_ID_SIZE]; /* the borrower */
  char c[MT_ID_SIZE], c_manager[MT_ID_SIZE];                      /* same network, unrelated */
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];
  char reservation[MT_ID_SIZE];
} world_t;

static void
make_world (fx_t *fx, world_t *w, const char *status)
{
  const char *const nets[] = { w->net, NULL };
  bson_t doc = BSON_INITIALIZER;
  bson_t history;
  char listing[MT_ID_SIZE];
  mt_error_t error;

  fx_network (fx, "apes", w->net);
  fx_member (fx, "active", NULL, nets, w->a, w->a_manager);
  fx_account (fx, w->a, "staff", "active", NULL, w->a_staff);
  fx_member (fx, "active", NULL, nets, w->b, w->b_manager);
  fx_account (fx, w->b, "staff", "active", NULL, w->b_staff);
  fx_member (fx, "active", NULL, nets, w->c, w->c_manager);
  fx_member (fx, "active", "platform", NULL, w->adm, w->admin);
  mt_id_new ("lst", listing);
  mt_id_new ("res", w->reservation);
  BSON_APPEND_UTF8 (&doc, "id", w->reservation);
  BSON_APPEND_INT64 (&doc, "version", 1);
  BSON_APPEND_UTF8 (&doc, "listing_id", listing);
  BSON_APPEND_UTF8 (&doc, "listing_title", "Vélo cargo");
  BSON_APPEND_UTF8 (&doc, "owner_member_id", w->a);
  BSON_APPEND_UTF8 (&doc, "borrower_member_id", w->b);
  BSON_APPEND_UTF8 (&doc, "requested_by", w->b_manager);
  BSON_APPEND_DATE_TIME (&doc, "start", FX_NOW_MS + 3 * DAY);
  BSON_APPEND_DATE_TIME (&doc, "end", FX_NOW_MS + 5 * DAY);
  BSON_APPEND_INT32 (&doc, "units", 1);
  BSON_APPEND_UTF8 (&doc, "status", status);
  BSON_APPEND_DATE_TIME (&doc, "created_at", FX_NOW_MS - DAY);
  BSON_APPEND_DATE_TIME (&doc, "updated_at", FX_NOW_MS - DAY);
  BSON_APPEND_ARRAY_BEGIN (&doc, "history", &history);
  bson_append_array_end (&doc, &history);
  if (!fx->store->ops->reservation_insert (fx->store, &doc, &error)) {
    fail_msg ("reservation_insert: %s", error.message);
  }
  bson_destroy (&doc);
}

/* {"text": @text}. */
static void
text_body (const char *text, bson_t *out)
{
  bson_init (out);
  BSON_APPEND_UTF8 (out, "text", text);
}

/* @account writes @text in @reservation at FX_NOW_MS + @seconds; the message id to @id. */
static void
post (fx_t *fx, const char *account, const char *reservation, const char *text, int seconds,
      char id[MT_ID_SIZE])
{
  fx_caller_t caller;
  bson_t body;
  bson_t out;

  fx_caller (fx, account, &caller);
  caller.ctx.now_ms = FX_NOW_MS + seconds * 1000;
  text_body (text, &body);
  OK (mt_message_post (&caller.ctx, reservation, &body, &out, id, &fx_err));
  assert_string_equal (mt_bson_str (&out, "id"), id);
  assert_string_equal (mt_bson_str (&out, "text"), text);
  assert_string_equal (mt_bson_str (&out, "reservation_id"), reservation);
  assert_string_equal (mt_bson_str (&out, "author_account_id"), account);
  assert_int_equal (mt_bson_date (&out, "created_at", 0), caller.ctx.now_ms);
  bson_destroy (&out);
  bson_destroy (&body);
  fx_caller_destroy (&caller);
}

/* One page of the thread as @account sees it. */
static void
list (fx_t *fx, const char *account, const char *reservation, const char *cursor, const char *limit,
      bson_t *items, char next[MT_STORE_CURSOR_MAX])
{
  fx_caller_t caller;

  fx_caller (fx, account, &caller);
  OK (mt_messages_list (&caller.ctx, reservation, cursor, limit, items, next, &fx_err));
  fx_caller_destroy (&caller);
}

/* The document at @index of the array-shaped @items. */
static void
item (const bson_t *items, unsigned index, bson_t *out)
{
  char key[16];
  bson_iter_t it;
  const uint8_t *data;
  uint32_t len;

  snprintf (key, sizeof key, "%u", index);
  assert_true (bson_iter_init_find (&it, items, key) && BSON_ITER_HOLDS_DOCUMENT (&it));
  bson_iter_document (&it, &len, &data);
  assert_true (bson_init_static (out, data, len));
}

/* ---- Tests -------------------------------------------------------------------------------- */

static void
borrower_owner_and_admins_share_the_thread (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char m1[MT_ID_SIZE], m2[MT_ID_SIZE], m3[MT_ID_SIZE], m4[MT_ID_SIZE];
  char next[MT_STORE_CURSOR_MAX];
  const char *readers[5];
  bson_t items;
  bson_t msg;

  make_world (fx, &w, "requested");
  post (fx, w.b_manager, w.reservation, "Bonjour, le vélo est-il équipé d'une bâche ?", 1, m1);
  post (fx, w.a_staff, w.reservation, "Oui, et de deux sièges enfants.", 2, m2);
  post (fx, w.admin, w.reservation, "Je suis l'administratrice : tout est en ordre.", 3, m3);
  post (fx, w.b_staff, w.reservation, "Merci ! 🚲", 4, m4);

  readers[0] = w.a_manager;
  readers[1] = w.a_staff;
  readers[2] = w.b_manager;
  readers[3] = w.b_staff;
  readers[4] = w.admin;
  for (size_t r = 0; r < 5; r++) {
    list (fx, readers[r], w.reservation, NULL, NULL, &items, next);
    assert_int_equal (fx_count (&items), 4);
    assert_string_equal (next, "");
    /* Oldest first, with the author's account, member and role. */
    item (&items, 0, &msg);
    assert_string_equal (mt_bson_str (&msg, "id"), m1);
    assert_string_equal (mt_bson_str (&msg, "author_account_id"), w.b_manager);
    assert_string_equal (mt_bson_str (&msg, "author_member_id"), w.b);
    assert_string_equal (mt_bson_str (&msg, "author_role"), "borrower");
    assert_string_equal (mt_bson_str (&msg, "text"),
                         "Bonjour, le vélo est-il équipé d'une bâche ?");
    item (&items, 1, &msg);
    assert_string_equal (mt_bson_str (&msg, "id"), m2);
    assert_string_equal (mt_bson_str (&msg, "author_member_id"), w.a);
    assert_string_equal (mt_bson_str (&msg, "author_role"), "owner");
    item (&items, 2, &msg);
    assert_string_equal (mt_bson_str (&msg, "id"), m3);
    assert_string_equal (mt_bson_str (&msg, "author_member_id"), w.adm);
    assert_string_equal (mt_bson_str (&msg, "author_role"), "admin");
    item (&items, 3, &msg);
    assert_string_equal (mt_bson_str (&msg, "id"), m4);
    assert_string_equal (mt_bson_str (&msg, "text"), "Merci ! 🚲");
    assert_int_equal (mt_bson_date (&msg, "created_at", 0), FX_NOW_MS + 4000);
    /* Only the fields of the view. */
    assert_int_equal (bson_count_keys (&msg), 7);
    bson_destroy (&items);
  }
}

static void
pages_go_oldest_first_exactly_once (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char ids[7][MT_ID_SIZE];
  char next[MT_STORE_CURSOR_MAX];
  char cursor[MT_STORE_CURSOR_MAX] = "";
  unsigned seen = 0;
  int pages = 0;

  make_world (fx, &w, "approved");
  for (int i = 0; i < 7; i++) {
    char text[32];
    snprintf (text, sizeof text, "message %d", i);
    post (fx, i % 2 ? w.a_manager : w.b_manager, w.reservation, text, i, ids[i]);
  }
  do {
    bson_t items;
    list (fx, w.b_staff, w.reservation, cursor[0] ? cursor : NULL, "3", &items, next);
    assert_true (fx_count (&items) <= 3);
    for (unsigned i = 0; i < fx_count (&items); i++) {
      bson_t msg;
      item (&items, i, &msg);
      assert_true (seen < 7);
      assert_string_equal (mt_bson_str (&msg, "id"), ids[seen]);
      seen++;
    }
    bson_destroy (&items);
    snprintf (cursor, sizeof cursor, "%s", next);
    pages++;
    assert_true (pages <= 4);
  } while (cursor[0]);
  assert_int_equal (seen, 7);
}

static void
one_millisecond_keeps_the_writing_order (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char ids[40][MT_ID_SIZE];
  char next[MT_STORE_CURSOR_MAX];
  bson_t items;

  make_world (fx, &w, "approved");
  for (int i = 0; i < 40; i++) {
    post (fx, i % 3 ? w.a_manager : w.b_manager, w.reservation, "même milliseconde", 0, ids[i]);
    assert_true (mt_id_is_valid (ids[i], "msg"));
  }
  list (fx, w.admin, w.reservation, NULL, "100", &items, next);
  assert_int_equal (fx_count (&items), 40);
  for (unsigned i = 0; i < 40; i++) {
    bson_t msg;
    item (&items, i, &msg);
    assert_string_equal (mt_bson_str (&msg, "id"), ids[i]);
  }
  bson_destroy (&items);
}

static void
others_get_not_found (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t caller;
  bson_t body;
  bson_t out;
  bson_t items;
  char id[MT_ID_SIZE];
  char next[MT_STORE_CURSOR_MAX];
  mt_ctx_t anonymous = { .store = fx->store, .now_ms = FX_NOW_MS };

  make_world (fx, &w, "requested");
  text_body ("Je ne devrais pas pouvoir écrire ici", &body);
  fx_caller (fx, w.c_manager, &caller);
  FAILS (mt_message_post (&caller.ctx, w.reservation, &body, &out, id, &fx_err), MT_ERR_NOT_FOUND);
  assert_int_equal (bson_count_keys (&out), 0);
  bson_destroy (&out);
  FAILS (mt_messages_list (&caller.ctx, w.reservation, NULL, NULL, &items, next, &fx_err),
         MT_ERR_NOT_FOUND);
  assert_int_equal (bson_count_keys (&items), 0);
  bson_destroy (&items);
  /* The same answer as for a reservation that does not exist. */
  FAILS (
    mt_messages_list (&caller.ctx, "res_AAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, &items, next, &fx_err),
    MT_ERR_NOT_FOUND);
  bson_destroy (&items);
  fx_caller_destroy (&caller);
  fx_caller (fx, w.b_manager, &caller);
  FAILS (mt_message_post (&caller.ctx, "res_AAAAAAAAAAAAAAAAAAAAAA", &body, &out, id, &fx_err),
         MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  fx_caller_destroy (&caller);
  FAILS (mt_message_post (&anonymous, w.reservation, &body, &out, id, &fx_err),
         MT_ERR_UNAUTHENTICATED);
  bson_destroy (&out);
  FAILS (mt_messages_list (&anonymous, w.reservation, NULL, NULL, &items, next, &fx_err),
         MT_ERR_NOT_FOUND);
  bson_destroy (&items);
  bson_destroy (&body);
  /* Nothing was written. */
  list (fx, w.b_manager, w.reservation, NULL, NULL, &items, next);
  assert_int_equal (fx_count (&items), 0);
  bson_destroy (&items);
}

static void
refused_text (fx_t *fx, const char *account, const char *reservation, const char *text)
{
  fx_caller_t caller;
  bson_t body;
  bson_t out;
  char id[MT_ID_SIZE];

  fx_caller (fx, account, &caller);
  text_body (text, &body);
  FAILS (mt_message_post (&caller.ctx, reservation, &body, &out, id, &fx_err), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/text");
  bson_destroy (&out);
  bson_destroy (&body);
  fx_caller_destroy (&caller);
}

static void
text_is_1_to_4000_characters_not_only_spaces (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char id[MT_ID_SIZE];
  char *text = malloc (4 * 4001 + 1);
  char next[MT_STORE_CURSOR_MAX];
  bson_t items;
  mt_error_t error;

  make_world (fx, &w, "closed");
  assert_non_null (text);
  refused_text (fx, w.b_manager, w.reservation, "");
  refused_text (fx, w.b_manager, w.reservation, " \t\r\n ");
  /* 4000 characters of two octets each (8000 octets) are fine; 4001 are not. */
  for (int i = 0; i < 4000; i++) {
    memcpy (text + 2 * i, "é", 2);
  }
  text[8000] = '\0';
  post (fx, w.b_manager, w.reservation, text, 1, id);
  memcpy (text + 8000, "é", 3);
  refused_text (fx, w.b_manager, w.reservation, text);
  /* 4000 emoji (four octets each). */
  for (int i = 0; i < 4000; i++) {
    memcpy (text + 4 * i, "🚲", 4);
  }
  text[16000] = '\0';
  post (fx, w.a_manager, w.reservation, text, 2, id);
  post (fx, w.a_manager, w.reservation, "x", 3, id);
  list (fx, w.admin, w.reservation, NULL, NULL, &items, next);
  assert_int_equal (fx_count (&items), 3);
  bson_destroy (&items);
  free (text);

  /* The checker alone. */
  assert_true (mt_message_text_check (" a ", &error));
  assert_false (mt_message_text_check ("bad \xc3 byte", &error));
  assert_string_equal (error.path, "/text");
  assert_false (mt_message_text_check (NULL, &error));
}

static void
bad_limits_and_cursors_are_400 (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t caller;
  bson_t items;
  char next[MT_STORE_CURSOR_MAX];
  const char *const limits[] = { "0", "abc", "-1", "", "5x", NULL };

  make_world (fx, &w, "requested");
  fx_caller (fx, w.b_manager, &caller);
  for (const char *const *l = limits; *l; l++) {
    FAILS (mt_messages_list (&caller.ctx, w.reservation, NULL, *l, &items, next, &fx_err),
           MT_ERR_BAD_REQUEST);
    assert_string_equal (fx_err.path, "limit");
    bson_destroy (&items);
  }
  FAILS (mt_messages_list (&caller.ctx, w.reservation, "not-a-cursor", NULL, &items, next, &fx_err),
         MT_ERR_BAD_REQUEST);
  assert_string_equal (fx_err.path, "cursor");
  bson_destroy (&items);
  fx_caller_destroy (&caller);
}

static void
schema_message_create (void **state)
{
  mt_schema_registry_t *registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  const mt_schema_t *schema;
  mt_error_t error;
  char *long_text = malloc (4002);
  struct {
    const char *json;
    bool valid;
  } cases[] = {
    { "{\"text\":\"Bonjour\"}", true }, { "{\"text\":\"é\"}", true },
    { "{\"text\":\"\"}", false },       { "{}", false },
    { "{\"text\":5}", false },          { "{\"text\":\"a\",\"author\":\"x\"}", false },
    { "{\"text\":null}", false },
  };

  (void) state;
  assert_non_null (registry);
  assert_true (mt_schema_registry_add_embedded (registry, mutua_schema_files, &error));
  schema = mt_schema_registry_get (registry, "message_create.json");
  assert_non_null (schema);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bson_t doc;
    assert_true (
      mt_json_parse_object (cases[i].json, strlen (cases[i].json), MT_JSON_STRICT, &doc, &error));
    if (mt_schema_validate (schema, &doc, &error) != cases[i].valid) {
      fail_msg ("%s: expected %s", cases[i].json, cases[i].valid ? "valid" : "invalid");
    }
    bson_destroy (&doc);
  }
  for (size_t n = 4000; n <= 4001; n++) {
    bson_t doc = BSON_INITIALIZER;
    memset (long_text, 'a', n);
    long_text[n] = '\0';
    BSON_APPEND_UTF8 (&doc, "text", long_text);
    assert_int_equal (mt_schema_validate (schema, &doc, &error), n == 4000);
    bson_destroy (&doc);
  }
  free (long_text);
  mt_schema_registry_destroy (registry);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    { "messages/thread/borrower_owner_admins", borrower_owner_and_admins_share_the_thread, fx_setup,
      fx_teardown, NULL },
    { "messages/thread/pages", pages_go_oldest_first_exactly_once, fx_setup, fx_teardown, NULL },
    { "messages/thread/same_millisecond", one_millisecond_keeps_the_writing_order, fx_setup,
      fx_teardown, NULL },
    { "messages/thread/others_not_found", others_get_not_found, fx_setup, fx_teardown, NULL },
    { "messages/text/limits", text_is_1_to_4000_characters_not_only_spaces, fx_setup, fx_teardown,
      NULL },
    { "messages/list/bad_parameters", bad_limits_and_cursors_are_400, fx_setup, fx_teardown, NULL },
    MT_TEST ("messages/schema/message_create", schema_message_create),
  };

  return cmocka_run_group_tests_name ("server/services/messages", tests, NULL, NULL);
}
