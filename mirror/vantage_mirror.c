/* mirror/vantage_mirror.c - vantage-mirror: command line, signals, the event loop. */
#include "autoconf.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keygen.h"
#include "log.h"
#include "mirror_config.h"
#include "server.h"
#include "tls.h"
#include "vutil.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define MIRROR_DEFAULT_CONFIG SYSCONFDIR "/vantage/vantage-mirror.yaml"

struct mirror_main {
	struct server *server;
	const char *config_path;
	struct event_base *base;
};

static void
usage(void)
{
	fprintf(stderr, "usage: vantage-mirror [-dnvV] [-c file]\n"
	    "       vantage-mirror keygen --dir DIR --address IP[:PORT] --region R\n"
	    "                      [--name NAME] [--algo ed25519|ecdsa-p256] [--force]\n");
	exit(2);
}

static void
mirror_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct mirror_main *mm = arg;
	struct mirror_config *cfg;
	char err[600];

	(void)sig;
	(void)what;
	log_info(LOG_G_CONFIG, "SIGHUP: reloading %s", mm->config_path);
	if (mirror_config_load(mm->config_path, &cfg, err, sizeof(err)) != 0) {
		log_warnx(LOG_G_CONFIG, "reload failed, keeping the running configuration: %s", err);
		return;
	}
	if (server_reload(mm->server, cfg, err, sizeof(err)) != 0) {
		log_warnx(LOG_G_CONFIG, "reload failed, keeping the running configuration: %s", err);
		mirror_config_free(cfg);
	}
}

static void
mirror_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct mirror_main *mm = arg;

	(void)what;
	log_info(LOG_G_MAIN, "signal %d: stopping", (int)sig);
	event_base_loopbreak(mm->base);
}

/* The command line's options: -c, -d, -n, -v; -V prints the version and exits. */
struct mirror_opts {
	int foreground, check, verbose;
};

static void
mirror_getopt(int argc, char **argv, struct mirror_main *mm, struct mirror_opts *o)
{
	int ch;

	while ((ch = getopt(argc, argv, "c:dnvV")) != -1) {
		switch (ch) {
		case 'c': mm->config_path = optarg; break;
		case 'd': o->foreground = 1; break;
		case 'n': o->check = 1; break;
		case 'v': o->verbose++; break;
		case 'V':
			printf("vantage-mirror %s (mirror protocol v1)\n", PACKAGE_VERSION);
			exit(0);
		default: usage();
		}
	}
	if (optind != argc)
		usage();
}

/* Serve until SIGTERM or SIGINT; SIGHUP reloads. Takes cfg. */
static void
mirror_serve(struct mirror_main *mm, struct mirror_config *cfg, int foreground)
{
	struct event *ev_hup, *ev_term, *ev_int;
	char err[600];

	signal(SIGPIPE, SIG_IGN);
	if ((mm->base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	if ((mm->server = server_new(mm->base, cfg, err, sizeof(err))) == NULL) {
		mirror_config_free(cfg);
		fatalx("%s", err);
	}
	/* Detach only after binding and loading keys, so that those errors reach the caller. */
	if (!foreground && daemon(0, 0) != 0)
		fatal("daemon");
	ev_hup = evsignal_new(mm->base, SIGHUP, mirror_sighup, mm);
	ev_term = evsignal_new(mm->base, SIGTERM, mirror_sigterm, mm);
	ev_int = evsignal_new(mm->base, SIGINT, mirror_sigterm, mm);
	REQUIRE(ev_hup != NULL && ev_term != NULL && ev_int != NULL);
	evsignal_add(ev_hup, NULL);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	event_base_dispatch(mm->base);
	server_free(mm->server);
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(mm->base);
}

int
main(int argc, char **argv)
{
	struct mirror_main mm = { NULL, MIRROR_DEFAULT_CONFIG, NULL };
	struct mirror_opts o = { 0, 0, 0 };
	struct mirror_config *cfg;
	char err[600];
	int rc;

	if (argc > 1 && strcmp(argv[1], "keygen") == 0) {
		if (tls_init() != 0) {
			fprintf(stderr, "vantage-mirror: cannot initialise wolfSSL\n");
			return 1;
		}
		rc = keygen_main(argc - 1, argv + 1);
		tls_cleanup();
		return rc;
	}
	mirror_getopt(argc, argv, &mm, &o);
	if (tls_init() != 0) {
		fprintf(stderr, "vantage-mirror: cannot initialise wolfSSL\n");
		return 1;
	}
	if (mirror_config_load(mm.config_path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		tls_cleanup();
		return 1;
	}
	if (o.check) {
		if (o.verbose)
			mirror_config_print(cfg, stdout);
		else
			fprintf(stderr, "configuration OK\n");
		mirror_config_free(cfg);
		tls_cleanup();
		return 0;
	}
	log_init("vantage-mirror", o.foreground, o.verbose ? LOG_L_DEBUG : LOG_L_INFO);
	mirror_serve(&mm, cfg, o.foreground);
	tls_cleanup();
	log_info(LOG_G_MAIN, "stopped");
	return 0;
}
