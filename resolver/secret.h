/*
 * resolver/secret.h - the per-install secret: random once, kept beside the state file
 * (<state_file>.key, 0600). It keys mirror selection and the verified cache's hashes.
 */
#ifndef VANTAGED_SECRET_H
#define VANTAGED_SECRET_H

#include <stdint.h>

#define SECRET_LEN 32

/*
 * secret_load - the secret of the install whose state file is state_file into key: read
 * from <state_file>.key, or made and written there when the file is missing or short.
 * state_file NULL: a fresh secret each start. A secret that cannot be kept is logged and
 * used all the same (selection stays unpredictable, only less stable across restarts).
 * Returns 1 when it was read, 0 when it was made.
 */
int secret_load(const char *state_file, uint8_t key[SECRET_LEN]);

#endif
