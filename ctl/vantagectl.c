/* ctl/vantagectl.c - vantagectl: ask vantaged over its control socket, print tables or JSON. */
#include "autoconf.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "yconf.h"

/* Where etc/vantaged.yaml puts the socket (control.socket). */
#define VANTAGECTL_SOCKET "/run/vantage/control.sock"
/* How long to wait for the answer (s): explain waits for the upstream and the mirrors,
 * each bounded by its own timeout, so a minute means the daemon is stuck. */
#define VANTAGECTL_TIMEOUT 60
/* The longest request the daemon reads (CONTROL_MAX_REQUEST). */
#define VANTAGECTL_MAX_REQUEST 1024
/* The largest answer we accept: a full `cache dump 100000` is about 15 MiB. */
#define VANTAGECTL_MAX_ANSWER (64u * 1024 * 1024)
/* Table cells are cut at this many bytes (mirror ids are 64 hex digits). */
#define VANTAGECTL_CELL 80

enum { EXIT_OK = 0, EXIT_DAEMON = 1, EXIT_USAGE = 2 };

static void
usage(void)
{
	fprintf(stderr,
	    "usage: vantagectl [-j] [-s socket] [-t seconds] command [argument ...]\n"
	    "  -j  print the daemon's JSON answer as it is\n"
	    "  -s  control socket (default %s)\n"
	    "  -t  how long to wait for the answer (default %d s)\n"
	    "commands:\n"
	    "  status                    version, uptime, listeners, upstreams, cache, verdicts\n"
	    "  mirrors                   every mirror: state, round trip, counters\n"
	    "  explain NAME [TYPE]       why NAME gets the answer it gets (asks the mirrors)\n"
	    "  recent                    the last refused or flagged answers, with each mirror's\n"
	    "  clients                   questions and refusals per client\n"
	    "  history                   verdicts per minute over the last hour\n"
	    "  cache stats | cache flush [NAME] | cache dump [MAX]\n"
	    "  reload                    read the configuration again\n"
	    "  log level [GROUP LEVEL]   show or set log levels (GROUP may be all)\n"
	    "  portal [MINUTES|close]    a captive portal's login window (default 5, at most 15)\n"
	    "  help                      the commands the daemon knows\n",
	    VANTAGECTL_SOCKET, VANTAGECTL_TIMEOUT);
	exit(EXIT_USAGE);
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "vantagectl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		fprintf(stderr, "vantagectl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;
		fprintf(stderr, "vantagectl: cannot connect to %s: %s%s\n", path, strerror(e),
		    e == ENOENT || e == ECONNREFUSED ? " (is vantaged running? see -s)"
		    : e == EACCES		     ? " (run as root or as a member of its group)"
						     : "");
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait for fd to be ready for events until deadline (ms, CLOCK_MONOTONIC); 0 or -1. */
static int
ctl_wait(int fd, short events, long long deadline)
{
	struct timespec ts;
	struct pollfd p = { .fd = fd, .events = events };
	long long now;
	int rc;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (now >= deadline)
			return -1;
		rc = poll(&p, 1, (int)(deadline - now > INT_MAX ? INT_MAX : deadline - now));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* Send req and read the whole answer into *out (NUL-terminated); its length, or -1. */
static long
ctl_exchange(int fd, const char *req, size_t rlen, int timeout_s, char **out)
{
	struct timespec ts;
	long long deadline;
	size_t len = 0, cap = 65536, off = 0;
	char *buf;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + (long long)timeout_s * 1000;
	while (off < rlen) {
		if (ctl_wait(fd, POLLOUT, deadline) != 0 ||
		    (n = send(fd, req + off, rlen - off, MSG_NOSIGNAL)) < 0) {
			fprintf(stderr, "vantagectl: cannot send the request: %s\n",
			    errno ? strerror(errno) : "timeout");
			return -1;
		}
		off += (size_t)n;
	}
	if ((buf = malloc(cap)) == NULL) {
		fprintf(stderr, "vantagectl: out of memory\n");
		return -1;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *nb;
			if (cap >= VANTAGECTL_MAX_ANSWER || (nb = realloc(buf, cap * 2)) == NULL) {
				fprintf(stderr, "vantagectl: answer too large\n");
				free(buf);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		if (ctl_wait(fd, POLLIN, deadline) != 0) {
			fprintf(stderr, "vantagectl: no answer within %d s (see -t)\n", timeout_s);
			free(buf);
			return -1;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "vantagectl: read: %s\n", strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	return (long)len;
}

/* ---- printing an answer for people ---- */

static const char *
ctl_scalar(const yaml_node_t *n)
{
	if (n == NULL)
		return "-";
	if (n->type == YAML_SCALAR_NODE) {
		const char *s = (const char *)n->data.scalar.value;
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "null") == 0)
			return "-";
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "true") == 0)
			return "yes";
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "false") == 0)
			return "no";
		return s[0] ? s : "\"\"";
	}
	return n->type == YAML_SEQUENCE_NODE ? "[...]" : "{...}";
}

static int
ctl_is_flat_map(struct yconf *y, const yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE)
		return 0;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
		if (yconf_node(y, p->value)->type != YAML_SCALAR_NODE)
			return 0;
	return 1;
}

/* A sequence of flat mappings as a table; the columns are the first row's keys. */
static void
ctl_table(struct yconf *y, const yaml_node_t *seq, int indent)
{
	const yaml_node_t *first = yconf_node(y, *seq->data.sequence.items.start);
	size_t ncol = (size_t)(first->data.mapping.pairs.top - first->data.mapping.pairs.start);
	const char **keys = calloc(ncol ? ncol : 1, sizeof(*keys));
	int *width = calloc(ncol ? ncol : 1, sizeof(*width));
	yaml_node_t *row;

	if (keys == NULL || width == NULL) {
		free(keys);
		free(width);
		return;
	}
	for (size_t c = 0; c < ncol; c++) {
		keys[c] = (const char *)yconf_node(y, first->data.mapping.pairs.start[c].key)
			      ->data.scalar.value;
		width[c] = (int)strlen(keys[c]);
	}
	YCONF_SEQ_FOREACH(y, seq, row)
	for (size_t c = 0; c < ncol; c++) {
		int l = (int)strlen(ctl_scalar(yconf_get(y, row, keys[c])));
		if (l > VANTAGECTL_CELL)
			l = VANTAGECTL_CELL;
		if (l > width[c])
			width[c] = l;
	}
	printf("%*s", indent, "");
	for (size_t c = 0; c < ncol; c++)
		printf("%-*s%s", c + 1 < ncol ? width[c] : 0, keys[c], c + 1 < ncol ? "  " : "\n");
	YCONF_SEQ_FOREACH(y, seq, row)
	{
		printf("%*s", indent, "");
		for (size_t c = 0; c < ncol; c++)
			printf("%-*.*s%s", c + 1 < ncol ? width[c] : 0, VANTAGECTL_CELL,
			    ctl_scalar(yconf_get(y, row, keys[c])), c + 1 < ncol ? "  " : "\n");
	}
	free(keys);
	free(width);
}

static void ctl_print_map(struct yconf *y, const yaml_node_t *map, int indent, int top);

static void
ctl_print_value(struct yconf *y, const char *key, const yaml_node_t *v, int indent)
{
	yaml_node_t *item;

	if (v->type == YAML_SCALAR_NODE) {
		printf("%*s%s: %s\n", indent, "", key, ctl_scalar(v));
	} else if (ctl_is_flat_map(y, v)) {
		printf("%*s%s:", indent, "", key);
		for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top;
		     p++)
			printf(" %s=%s", (const char *)yconf_node(y, p->key)->data.scalar.value,
			    ctl_scalar(yconf_node(y, p->value)));
		printf("\n");
	} else if (v->type == YAML_MAPPING_NODE) {
		printf("%*s%s:\n", indent, "", key);
		ctl_print_map(y, v, indent + 2, 0);
	} else if (v->data.sequence.items.start == v->data.sequence.items.top) {
		printf("%*s%s: (none)\n", indent, "", key);
	} else if (ctl_is_flat_map(y, yconf_node(y, *v->data.sequence.items.start))) {
		printf("%*s%s:\n", indent, "", key);
		ctl_table(y, v, indent + 2);
	} else {
		printf("%*s%s:\n", indent, "", key);
		YCONF_SEQ_FOREACH(y, v, item)
		{
			if (item->type == YAML_SCALAR_NODE)
				printf("%*s%s\n", indent + 2, "", ctl_scalar(item));
			else
				ctl_print_map(y, item, indent + 2, 0);
		}
	}
}

static void
ctl_print_map(struct yconf *y, const yaml_node_t *map, int indent, int top)
{
	if (map->type != YAML_MAPPING_NODE)
		return;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *key = (const char *)yconf_node(y, p->key)->data.scalar.value;
		/* The envelope says nothing a person needs. */
		if (top && (strcmp(key, "ok") == 0 || strcmp(key, "command") == 0))
			continue;
		ctl_print_value(y, key, yconf_node(y, p->value), indent);
	}
}

/* Build "word word ...\n" from argv; -1 when it is too long or has a line break. */
static int
ctl_request(int argc, char **argv, char *req, size_t cap)
{
	size_t o = 0;

	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (strpbrk(argv[i], "\r\n \t") || l == 0 || o + l + 2 > cap)
			return -1;
		if (i)
			req[o++] = ' ';
		memcpy(req + o, argv[i], l);
		o += l;
	}
	req[o++] = '\n';
	req[o] = '\0';
	return (int)o;
}

int
main(int argc, char **argv)
{
	const char *path = VANTAGECTL_SOCKET;
	char req[VANTAGECTL_MAX_REQUEST + 2], *ans = NULL;
	int ch, json = 0, timeout_s = VANTAGECTL_TIMEOUT, fd, rlen, rc = EXIT_OK;
	struct yconf y = { 0 };
	yaml_node_t *root, *ok;
	long len;

	while ((ch = getopt(argc, argv, "js:t:h")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 's':
			path = optarg;
			break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0 || timeout_s > 86400)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if ((rlen = ctl_request(argc, argv, req, sizeof(req))) < 0) {
		fprintf(stderr, "vantagectl: arguments must be single words, %d bytes in all\n",
		    VANTAGECTL_MAX_REQUEST);
		return EXIT_USAGE;
	}
	if ((fd = ctl_connect(path)) < 0)
		return EXIT_USAGE;
	len = ctl_exchange(fd, req, (size_t)rlen, timeout_s, &ans);
	close(fd);
	if (len < 0)
		return EXIT_USAGE;
	memset(&y, 0, sizeof(y));
	if (len == 0 || yconf_load_buffer(&y, "answer", ans, (size_t)len) != 0 ||
	    (root = yconf_root(&y)) == NULL || root->type != YAML_MAPPING_NODE ||
	    (ok = yconf_get(&y, root, "ok")) == NULL || ok->type != YAML_SCALAR_NODE) {
		fprintf(stderr, "vantagectl: %s answer from vantaged%s%s\n",
		    len == 0 ? "an empty" : "an unreadable", y.err[0] ? ": " : "", y.err);
		yconf_free(&y);
		free(ans);
		return EXIT_USAGE;
	}
	if (strcmp((const char *)ok->data.scalar.value, "true") != 0)
		rc = EXIT_DAEMON;
	if (json)
		fputs(ans, stdout);
	else if (rc == EXIT_DAEMON)
		fprintf(stderr, "vantagectl: %s\n", ctl_scalar(yconf_get(&y, root, "error")));
	else
		ctl_print_map(&y, root, 0, 1);
	yconf_free(&y);
	free(ans);
	if (fflush(stdout) != 0)
		return EXIT_USAGE;
	return rc;
}
