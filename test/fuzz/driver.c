/*
** driver.c: a main() for the fuzz targets when libFuzzer is not linked in.
**
** Every target in this folder is an LLVMFuzzerTestOneInput(data, size)
** function. Built with clang -fsanitize=fuzzer it is driven by libFuzzer
** (make fuzz). Built with this driver (any C compiler, make test) it is:
**
**   target [-runs=N] [-seed=S] [-max_total_time=T] [-max_len=L] PATH...
**
**   1. run on every file of every PATH (a file or a folder: the corpus);
**   2. then N more runs (0 by default) on mutations of those inputs
**      (bit flips, byte changes, inserts, deletes, chunk copies, splices,
**      truncation), from a seeded generator, so a run repeats exactly;
**      -max_total_time stops earlier.
**
** It prints "runs: N" at the end. When an input crashes the target (a
** sanitizer report or a signal), the input is written to crash-<n>.bin in
** the current folder first (and the sanitizer's death callback, where
** present, does the same), so it can become a corpus file.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sanitizers' hook, when a sanitizer runtime is linked in. */
extern void __sanitizer_set_death_callback(void (*)(void))
    __attribute__((weak));

typedef struct Input {
  uint8_t *a;
  size_t n;
} Input;

static Input *aPool;
static size_t nPool, nPoolAlloc;

/* The input being run, for the crash writer (static: signal-safe). */
static const uint8_t *pCurrent;
static size_t nCurrent;
static volatile sig_atomic_t bWritten;

/* Write the current input to crash-<pid>.bin (async-signal-safe). */
static void writeCurrent(void) {
  char zName[64];
  int fd, k = 0;
  long pid = (long)getpid();
  char aDigit[24];
  int nDigit = 0;
  if (bWritten || pCurrent == NULL) return;
  bWritten = 1;
  memcpy(zName, "crash-", 6);
  k = 6;
  do {
    aDigit[nDigit++] = (char)('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  while (nDigit > 0) zName[k++] = aDigit[--nDigit];
  memcpy(zName + k, ".bin", 5);
  fd = open(zName, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    size_t o = 0;
    while (o < nCurrent) {
      ssize_t w = write(fd, pCurrent + o, nCurrent - o);
      if (w <= 0) break;
      o += (size_t)w;
    }
    close(fd);
    (void)!write(2, "driver: input written to ", 25);
    (void)!write(2, zName, strlen(zName));
    (void)!write(2, "\n", 1);
  }
}

static void onSignal(int sig) {
  writeCurrent();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void poolAdd(const uint8_t *a, size_t n) {
  if (nPool == nPoolAlloc) {
    nPoolAlloc = nPoolAlloc ? 2 * nPoolAlloc : 64;
    aPool = realloc(aPool, nPoolAlloc * sizeof(Input));
    if (aPool == NULL) abort();
  }
  aPool[nPool].a = malloc(n ? n : 1);
  if (aPool[nPool].a == NULL) abort();
  if (n) memcpy(aPool[nPool].a, a, n);
  aPool[nPool].n = n;
  nPool++;
}

static int loadFile(const char *zPath) {
  FILE *f = fopen(zPath, "rb");
  uint8_t *a = NULL;
  size_t n = 0, nAlloc = 0, r;
  if (f == NULL) {
    fprintf(stderr, "driver: cannot read %s\n", zPath);
    return 1;
  }
  do {
    if (n + 4096 > nAlloc) {
      nAlloc = nAlloc ? 2 * nAlloc : 8192;
      a = realloc(a, nAlloc);
      if (a == NULL) abort();
    }
    r = fread(a + n, 1, 4096, f);
    n += r;
  } while (r > 0);
  fclose(f);
  poolAdd(a, n);
  free(a);
  return 0;
}

static int cmpName(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load a file, or every regular file of a folder (in name order). */
static int loadPath(const char *zPath) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  char **az = NULL;
  size_t n = 0, i;
  int rc = 0;
  if (stat(zPath, &st) != 0) {
    fprintf(stderr, "driver: no such file or folder: %s\n", zPath);
    return 1;
  }
  if (!S_ISDIR(st.st_mode)) return loadFile(zPath);
  d = opendir(zPath);
  if (d == NULL) return 1;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    az = realloc(az, (n + 1) * sizeof(char *));
    if (az == NULL || asprintf(&az[n], "%s/%s", zPath, e->d_name) < 0) abort();
    n++;
  }
  closedir(d);
  qsort(az, n, sizeof(char *), cmpName);
  for (i = 0; i < n; i++) {
    if (stat(az[i], &st) == 0 && S_ISREG(st.st_mode)) rc |= loadFile(az[i]);
    free(az[i]);
  }
  free(az);
  return rc;
}

/* xorshift64*: a small seeded generator (the same runs for the same seed). */
static uint64_t rngState = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) {
  rngState ^= rngState >> 12;
  rngState ^= rngState << 25;
  rngState ^= rngState >> 27;
  return rngState * 2685821657736338717ULL;
}
static size_t rndBelow(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static const uint8_t aMagic[] = {0x00, 0x01, 0x05, 0x15, 0x25, 0x35,
                                 0x7F, 0x80, 0xFE, 0xFF};

/* One mutation of b[0..*pn) (room for nMax bytes). */
static void mutateOnce(uint8_t *b, size_t *pn, size_t nMax) {
  size_t n = *pn, i, k, len;
  switch (rndBelow(9)) {
    case 0: /* flip a bit */
      if (n) b[rndBelow(n)] ^= (uint8_t)(1u << rndBelow(8));
      break;
    case 1: /* a random byte */
      if (n) b[rndBelow(n)] = (uint8_t)rnd();
      break;
    case 2: /* an interesting byte */
      if (n) b[rndBelow(n)] = aMagic[rndBelow(sizeof(aMagic))];
      break;
    case 3: /* insert a byte */
      if (n < nMax) {
        i = rndBelow(n + 1);
        memmove(b + i + 1, b + i, n - i);
        b[i] = rndBelow(2) ? (uint8_t)rnd() : aMagic[rndBelow(sizeof(aMagic))];
        n++;
      }
      break;
    case 4: /* delete a few bytes */
      if (n) {
        i = rndBelow(n);
        len = 1 + rndBelow(n - i < 8 ? n - i : 8);
        memmove(b + i, b + i + len, n - i - len);
        n -= len;
      }
      break;
    case 5: /* copy a chunk elsewhere (overwrite) */
      if (n > 1) {
        i = rndBelow(n);
        k = rndBelow(n);
        len = 1 + rndBelow(16);
        if (i + len > n) len = n - i;
        if (k + len > n) len = n - k;
        memmove(b + k, b + i, len);
      }
      break;
    case 6: /* splice: our head, another input's tail */
      if (nPool) {
        const Input *o = &aPool[rndBelow(nPool)];
        i = rndBelow(n + 1);
        k = rndBelow(o->n + 1);
        len = o->n - k;
        if (i + len > nMax) len = nMax - i;
        memcpy(b + i, o->a + k, len);
        n = i + len;
      }
      break;
    case 7: /* truncate */
      if (n) n = rndBelow(n);
      break;
    default: /* add or subtract a small number */
      if (n) {
        i = rndBelow(n);
        b[i] = (uint8_t)(b[i] + (int)rndBelow(35) - 17);
      }
      break;
  }
  *pn = n;
}

static void runOne(const uint8_t *a, size_t n) {
  /* A private copy, exactly n bytes long: reading past it is caught. */
  uint8_t *c = malloc(n ? n : 1);
  if (c == NULL) abort();
  if (n) memcpy(c, a, n);
  pCurrent = c;
  nCurrent = n;
  LLVMFuzzerTestOneInput(c, n);
  pCurrent = NULL;
  free(c);
}

int main(int argc, char **argv) {
  long long nRuns = 0, nDone = 0;
  double tMax = 0;
  size_t nMaxLen = 4096;
  uint64_t seed = 1;
  struct timespec t0, t1;
  uint8_t *b;
  int i, rc = 0;

  for (i = 1; i < argc; i++) {
    if (strncmp(argv[i], "-runs=", 6) == 0) {
      nRuns = atoll(argv[i] + 6);
    } else if (strncmp(argv[i], "-seed=", 6) == 0) {
      seed = strtoull(argv[i] + 6, NULL, 10);
    } else if (strncmp(argv[i], "-max_total_time=", 16) == 0) {
      tMax = atof(argv[i] + 16);
    } else if (strncmp(argv[i], "-max_len=", 9) == 0) {
      nMaxLen = (size_t)atoll(argv[i] + 9);
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "driver: unknown option %s\n", argv[i]);
      return 2;
    } else {
      rc |= loadPath(argv[i]);
    }
  }
  if (rc) return 2;
  signal(SIGSEGV, onSignal);
  signal(SIGBUS, onSignal);
  signal(SIGFPE, onSignal);
  signal(SIGILL, onSignal);
  signal(SIGABRT, onSignal);
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(writeCurrent);

  rngState ^= seed * 0x100000001B3ULL;
  if (rngState == 0) rngState = 1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (size_t k = 0; k < nPool; k++, nDone++) runOne(aPool[k].a, aPool[k].n);
  if (nPool == 0) poolAdd((const uint8_t *)"", 0);

  b = malloc(nMaxLen + 1);
  if (b == NULL) abort();
  for (long long r = 0; r < nRuns; r++, nDone++) {
    const Input *src = &aPool[rndBelow(nPool)];
    size_t n = src->n < nMaxLen ? src->n : nMaxLen;
    int nMut = 1 + (int)rndBelow(4), m;
    memcpy(b, src->a, n);
    for (m = 0; m < nMut; m++) mutateOnce(b, &n, nMaxLen);
    runOne(b, n);
    if (tMax > 0 && (r & 63) == 0) {
      clock_gettime(CLOCK_MONOTONIC, &t1);
      if ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 > tMax) {
        nDone++;
        break;
      }
    }
  }
  free(b);
  printf("runs: %lld\n", nDone);
  return 0;
}
