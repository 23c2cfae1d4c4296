/*
 * tests/integration/tools/tlsimposter.c - a TLS server that shows a certificate chain whose
 * private key it does not hold: what an attacker replaying a genuine server's chain does.
 *
 * tlsimposter ADDR PORT CHAIN_PEM KEY_PEM [--tls12]
 *
 * Loads the chain (leaf first) and an unrelated key without checking that they match
 * (openssl s_server refuses to), prints "listening", then answers handshakes one at a
 * time, forever, each bounded by a 5 s receive timeout. A client that checks the
 * handshake signature against the leaf must fail every handshake.
 */
#include <wolfssl/options.h>
#include "autoconf.h"

#include <wolfssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct timeval tv = { 5, 0 };
	WOLFSSL_CTX *ctx;
	int fd, c, one = 1, tls12;

	if (argc < 5 || argc > 6 || (argc == 6 && strcmp(argv[5], "--tls12") != 0)) {
		fprintf(stderr, "usage: tlsimposter ADDR PORT CHAIN_PEM KEY_PEM [--tls12]\n");
		return 2;
	}
	tls12 = argc == 6;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "tlsimposter: bad address\n");
		return 2;
	}
	wolfSSL_Init();
	ctx = wolfSSL_CTX_new(tls12 ? wolfTLSv1_2_server_method() : wolfTLSv1_3_server_method());
	if (ctx == NULL ||
	    wolfSSL_CTX_use_certificate_chain_file(ctx, argv[3]) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_file(ctx, argv[4], WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
		fprintf(stderr, "tlsimposter: cannot load %s and %s\n", argv[3], argv[4]);
		return 1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0) {
		perror("tlsimposter: listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		WOLFSSL *ssl;
		int r;

		if ((c = accept(fd, NULL, NULL)) < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if ((ssl = wolfSSL_new(ctx)) != NULL) {
			wolfSSL_set_fd(ssl, c);
			r = wolfSSL_accept(ssl);
			printf("handshake %s (%d)\n", r == WOLFSSL_SUCCESS ? "completed" : "failed",
			    r == WOLFSSL_SUCCESS ? 0 : wolfSSL_get_error(ssl, r));
			fflush(stdout);
			wolfSSL_free(ssl);
		}
		close(c);
	}
}
