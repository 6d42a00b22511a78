/*
 * routes_listings: categories and the create / read / update / delete of one listing
 * (services/categories.h, services/listings.h). Search and availability are in
 * routes_search.c, photos in routes_photos.c.
 */
#include "routes.h"

#include "categories.h"
#include "listings.h"

#include <stdio.h>

void
mt_route_categories_list (mt_request_t *r)
{
  bson_t items;

  mt_categories_list (&items);
  /* The table changes only with a new build of the server. */
  mt_request_set_header (r, "Cache-Control", "public, max-age=3600");
  mt_reply_list (r, &items, NULL);
  bson_destroy (&items);
}

void
mt_route_listings_create (mt_request_t *r)
{
  char id[MT_ID_SIZE];
  bson_t listing;
  mt_error_t error = { 0 };

  if (!mt_listing_create (mt_request_ctx (r), mt_request_body (r), &listing, id, &error)) {
    mt_reply_problem (r, &error);
  } else {
    char location[96];
    snprintf (location, sizeof location, "/v1/listings/%s", id);
    mt_request_set_header (r, "Location", location);
    mt_reply_json_versioned (r, 201, &listing);
  }
  bson_destroy (&listing);
}

void
mt_route_listing_get (mt_request_t *r)
{
  bson_t listing;
  mt_error_t error = { 0 };

  if (!mt_listing_get (mt_request_ctx (r), mt_request_param (r, "id"), &listing, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &listing);
  }
  bson_destroy (&listing);
}

void
mt_route_listing_patch (mt_request_t *r)
{
  bson_t listing;
  mt_error_t error = { 0 };

  if (!mt_listing_patch (mt_request_ctx (r), mt_request_param (r, "id"), mt_request_body (r),
                         mt_request_header (r, "If-Match"), &listing, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &listing);
  }
  bson_destroy (&listing);
}

void
mt_route_listing_delete (mt_request_t *r)
{
  mt_listing_removal_t removal = MT_LISTING_REMOVED;
  bson_t listing;
  mt_error_t error = { 0 };

  if (!mt_listing_delete (mt_request_ctx (r), mt_request_param (r, "id"),
                          mt_request_header (r, "If-Match"), &removal, &listing, &error)) {
    mt_reply_problem (r, &error);
  } else if (removal == MT_LISTING_ARCHIVED) {
    mt_reply_json_versioned (r, 200, &listing);
  } else {
    mt_reply_empty (r, 204);
  }
  bson_destroy (&listing);
}
