/*
** check.h: the tiny assertion kit of the C unit tests.
**
** Each test program prints one line per check group, "ok - NAME" or
** "not ok - NAME: why", and exits non-zero if any failed. test/run counts
** those lines across every suite.
*/
#ifndef TITO_CHECK_H
#define TITO_CHECK_H
#include <stdio.h>

static int check_nFail = 0;     /* failed groups in this program */
static int check_bGroupFail = 0; /* the current group has failed */

/* Record a failure of the current group with a message. */
#define CHECK(cond)                                                       \
  do {                                                                    \
    if (!(cond)) {                                                        \
      if (!check_bGroupFail)                                              \
        fprintf(stdout, "# %s:%d: check failed: %s\n", __FILE__,          \
                __LINE__, #cond);                                         \
      check_bGroupFail = 1;                                               \
    }                                                                     \
  } while (0)

/* Close a group of checks: prints its ok / not ok line. */
static inline void check_group(const char *zName) {
  if (check_bGroupFail) {
    printf("not ok - %s\n", zName);
    check_nFail++;
  } else {
    printf("ok - %s\n", zName);
  }
  check_bGroupFail = 0;
  fflush(stdout);
}

static inline int check_exit(void) { return check_nFail ? 1 : 0; }
#endif
