/*
 * resolver/follow.h - follow the network: the upstreams of `upstreams: auto` follow the files
 * where the system keeps its resolvers, and a warning says when the system stops asking us.
 */
#ifndef VANTAGED_FOLLOW_H
#define VANTAGED_FOLLOW_H

struct vantaged;
struct follow;

/* How often the files are looked at (a stat each: nothing for a laptop's battery). */
#define FOLLOW_TICK_MS 2000

/*
 * follow_new - start watching vd's upstreams_from files (with upstreams: auto) and its
 * resolv.conf. What they say now is the starting point: vd->cfg already holds it. NULL when
 * memory ran out (vantaged then runs without following; said in the log).
 */
struct follow *follow_new(struct vantaged *vd);

/* follow_reconfigure - after a reload replaced vd->cfg (which learned afresh): start over. */
void follow_reconfigure(struct follow *f);

/*
 * follow_in_path - whether the system's resolv.conf makes applications ask vantaged first:
 * its first nameserver is one of our port-53 listeners, or systemd-resolved's stub whose own
 * first server is. 1 yes, 0 no, -1 unknown (unreadable, or no listener on port 53).
 */
int follow_in_path(const struct vantaged *vd);

/* follow_free - stop; accepts NULL. */
void follow_free(struct follow *f);

#endif
