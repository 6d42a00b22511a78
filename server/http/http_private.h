/*
 * http_private: the structures shared by server.c (loops and listeners), conn.c
 * (per-connection guard) and request.c (dispatch and replies). Nothing outside server/http
 * includes this header.
 */
#ifndef MT_HTTP_PRIVATE_H
#define MT_HTTP_PRIVATE_H

#include "app.h"
#include "committer.h"
#include "guard.h"
#include "request.h"
#include "router.h"
#include "store.h"
#include "workers.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <pthread.h>
#include <stdatomic.h>

typedef struct mt_server mt_server_t;
typedef struct mt_loop mt_loop_t;
typedef struct mt_conn mt_conn_t;
typedef struct mt_periodic mt_periodic_t;

/* One client connection, seen from below evhttp (see conn.c). */
struct mt_conn {
  mt_loop_t *loop;
  mt_conn_t *prev; /* the loop's list of every conn, for cleanup at shutdown */
  mt_conn_t *next;
  struct bufferevent *bev;         /* referenced until the connection closes */
  struct evhttp_connection *evcon; /* known once attached */
  struct evbuffer *held;           /* bytes not yet validated by the guard */
  struct evbuffer *scratch;
  struct event *timer; /* deadlines and the deferred close */
  mt_guard_t guard;
  char addr[64];      /* client address, for logs and rate limits */
  int in_flight;      /* requests dispatched and not yet completed */
  uint64_t completed; /* requests answered (compare with guard.requests) */
  bool attached;
  bool in_callback;
  bool counted; /* counted in the server's connection total */
};

/* One event loop thread: its own event_base, evhttp, listener and store handle. */
struct mt_loop {
  mt_server_t *server;
  int index;
  pthread_t thread;
  bool started;
  struct event_base *base;
  struct evhttp *http;
  evutil_socket_t listen_fd;
  struct evhttp_bound_socket *bound;
  mt_store_t *store;
  mt_completion_queue_t *completions;
  mt_conn_t *conns; /* every conn of this loop */
  /* evcon -> conn map (open addressing; only this loop's thread touches it) */
  struct {
    struct evhttp_connection *key;
    mt_conn_t *conn;
  } * map;
  size_t map_cap;
};

struct mt_server {
  mt_app_t *app;
  mt_committer_t *committer; /* NULL: each write request commits its own unit on its loop */
  mt_loop_t *loops;
  int loop_count;
  int port;
  atomic_int connections;
  atomic_int in_flight;
  atomic_bool draining;
  pthread_mutex_t periodic_lock; /* guards periodics (added from any thread) */
  mt_periodic_t *periodics;      /* tasks of loop 0 (server.c), freed by mt_server_destroy */
};

/* conn.c */
struct bufferevent *mt_conn_bevcb (struct event_base *base, void *arg);
mt_conn_t *mt_conn_lookup (mt_loop_t *loop, struct evhttp_connection *evcon);
void mt_conn_request_started (mt_conn_t *conn);
void mt_conn_request_finished (mt_conn_t *conn);
/* Frees the conns left after evhttp_free (those never attached to an evhttp connection). */
void mt_conn_free_all (mt_loop_t *loop);

/* request.c */
void mt_request_dispatch (struct evhttp_request *req, void *arg);

/* request.c, for the committer (committer.c). */
mt_completion_queue_t *mt_request_completions (mt_request_t *r);
/* Committer thread: runs @r's handler inside the batch's unit of @store; the reply is kept. */
void mt_request_run_in_batch (mt_request_t *r, mt_store_t *store, int64_t now_ms);
/* Committer thread: the batch's outcome for @r (@error NULL: committed). */
void mt_request_batch_result (mt_request_t *r, const mt_error_t *error);
/* @r's loop thread (a completion): sends the kept reply, or the batch's 503. */
void mt_request_batch_done (void *r);

#endif
