/*
 * lib/vredis.h - one Redis server shared by a fleet (vantaged instances, vantage-mirror
 * replicas): commands with a deadline, one subscription, reconnection with backoff.
 *
 * Built on hiredis's asynchronous API and its libevent adapter, on the caller's event base
 * (one loop: vantaged's main loop, the mirror's loop). Two connections: one for commands,
 * one for the subscription (a subscribed Redis connection takes no other command). Either
 * may be down at any time; a caller never waits longer than the deadline it gave, and a
 * command refused or lost is simply a miss for it (the fleet is an optimisation: every
 * instance can always decide alone).
 *
 * What Redis returns is not trusted: vredis hands the reply over as hiredis parsed it, and
 * the caller validates every value as network input.
 */
#ifndef VANTAGE_VREDIS_H
#define VANTAGE_VREDIS_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct redisReply;
struct vredis;
struct vredis_cmd;

/* Where the server is: what vredis_parse_url makes of "redis://..." or "unix:...". */
#define VREDIS_HOST_MAX 256
#define VREDIS_PATH_MAX 108		/* sun_path */
struct vredis_addr {
	int is_unix;
	char host[VREDIS_HOST_MAX];	/* TCP: a name or an address (IPv6 without brackets) */
	uint16_t port;			/* TCP: 6379 when the URL gives none */
	char path[VREDIS_PATH_MAX];	/* unix: the socket's path */
	unsigned db;			/* SELECT db: "/N" (TCP) or "?db=N" (unix); 0 by default */
	char user[128], password[256];	/* from the URL's userinfo, if any ("" otherwise) */
};

/*
 * vredis_parse_url - "redis://[[user]:password@]host[:port][/db]" (host may be "[v6]") or
 * "unix:/absolute/path[?db=N]". 0 and *out, or -1 with a one-line reason in err (for a
 * config error's file:line message).
 */
int vredis_parse_url(const char *url, struct vredis_addr *out, char *err, size_t errlen);

/* vredis_describe - "127.0.0.1:6379/0" or "unix:/run/redis.sock/0", never the password. */
void vredis_describe(const struct vredis_addr *a, char *buf, size_t len);

struct vredis_config {
	struct vredis_addr addr;
	const char *username;		/* NULL or "": addr.user, if any */
	const char *password;		/* NULL or "": addr.password; "" there too: no AUTH */
	uint32_t timeout_ms;		/* a command's default deadline (vredis_command's 0) */
	const char *channel;		/* NULL: no subscription */
	const char *log_sub;		/* log subsystem for state changes ("shared") */
	/* Called each time the command connection is ready (first time and every reconnection),
	 * from the event loop: a caller may read what it missed. NULL: nothing. */
	void (*on_up)(void *arg);
	void *on_up_arg;
};

/* What the caller gets for a command. */
enum vredis_status {
	VREDIS_OK,			/* a reply came (it may be a Redis error reply) */
	VREDIS_TIMEOUT,			/* the deadline passed first */
	VREDIS_LOST			/* the connection went before the reply came */
};

/*
 * vredis_cb - the result of one command: r is hiredis's reply when status is VREDIS_OK
 * (valid only during the call; r->type may be REDIS_REPLY_ERROR), NULL otherwise. Called
 * once, from the event loop, never from inside vredis_command.
 */
typedef void (*vredis_cb)(void *arg, enum vredis_status status, const struct redisReply *r);

/* vredis_msg_cb - one message published on the subscribed channel (bytes, not a string). */
typedef void (*vredis_msg_cb)(void *arg, const uint8_t *data, size_t len);

/*
 * vredis_new - start connecting (both connections) on base; the state is reported by
 * vredis_stats. msg (may be NULL) gets each message of cfg->channel. Strings in cfg are
 * copied. NULL on allocation failure only: an unreachable server is a state, not an error.
 */
struct vredis *vredis_new(struct event_base *base, const struct vredis_config *cfg,
    vredis_msg_cb msg, void *msg_arg);

/*
 * vredis_free - close both connections; the callbacks of commands still out are NOT
 * called (their callers are going too). Accepts NULL. Not from inside a vredis_cb or
 * vredis_msg_cb (hiredis would finish its callback walk on freed memory): from an event.
 */
void vredis_free(struct vredis *vr);

/*
 * vredis_command - send argv[0..argc-1] (binary-safe, lengths in argvlen) with a deadline
 * of timeout_ms (0: the config's). The handle, until cb is called or vredis_cancel; NULL
 * when the command cannot go (not connected, too many out, no memory): cb is then never
 * called, and the caller goes on without Redis at once.
 */
struct vredis_cmd *vredis_command(struct vredis *vr, uint32_t timeout_ms, vredis_cb cb,
    void *arg, int argc, const char *const *argv, const size_t *argvlen);

/* vredis_cancel - cb will never be called for cmd. Accepts NULL. */
void vredis_cancel(struct vredis_cmd *cmd);

/* vredis_up - whether commands can go now (the command connection is ready). */
int vredis_up(const struct vredis *vr);

/* vredis_subscribed - whether published messages reach msg now. */
int vredis_subscribed(const struct vredis *vr);

enum vredis_state {
	VREDIS_CONNECTING,		/* first attempt under way */
	VREDIS_UP,
	VREDIS_DOWN			/* waiting for the next attempt (backoff) */
};

struct vredis_stats {
	enum vredis_state state;	/* the command connection's */
	int subscribed;
	uint64_t since;			/* wall-clock second of the last state change */
	uint64_t commands;		/* sent */
	uint64_t replies;		/* came back in time (error replies included) */
	uint64_t error_replies;		/* Redis said -ERR (also in replies) */
	uint64_t timeouts;		/* deadline passed */
	uint64_t lost;			/* the connection went first */
	uint64_t refused;		/* vredis_command returned NULL */
	uint64_t connects;		/* successful connections (both kinds) */
	uint64_t disconnects;		/* connections lost or dropped (both kinds) */
	uint64_t messages;		/* published messages received */
	unsigned outstanding;		/* commands out now */
	uint32_t backoff_ms;		/* the wait before the next attempt, when down */
	char last_error[128];		/* why it last went down ("" if never) */
};

/* vredis_stats - a copy of the counters and state. */
void vredis_stats(const struct vredis *vr, struct vredis_stats *out);

/* vredis_state_name - "connecting", "up", "down". */
const char *vredis_state_name(enum vredis_state s);

/* At most this many commands out at once: past it vredis_command refuses (Redis slow). */
#define VREDIS_OUTSTANDING_MAX 4096

#endif
