/* mirror/keygen.h - `vantage-mirror keygen`: the mirror's private CA and server certificate. */
#ifndef VANTAGE_MIRROR_KEYGEN_H
#define VANTAGE_MIRROR_KEYGEN_H

/* File names inside the key directory; the server's tls.dir reads the same ones. */
#define KEYGEN_CA_FILE "ca.pem"
#define KEYGEN_CERT_FILE "server.pem"
#define KEYGEN_KEY_FILE "server.key"

/*
 * keygen_main - run the keygen subcommand; argv[0] is "keygen".
 * Makes a fresh CA (its key is never written: the CA can sign nothing but this one server
 * certificate), a server certificate for the address's IP, writes DIR/ca.pem,
 * DIR/server.pem (leaf then CA) and DIR/server.key (0600, DIR 0700) and prints the mirror
 * entry for mirrors.yaml on stdout. Returns the process exit code (0, 1 on error, 2 on
 * usage errors); messages go to stderr.
 */
int keygen_main(int argc, char **argv);

#endif
