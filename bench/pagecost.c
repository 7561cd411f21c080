
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * What fresh memory costs on this machine, the figure that decides the
 * 1 MB rows of bench/run: each request's body lands in memory that the
 * worker's heap just took from the kernel (glibc gives it back when two
 * bodies' worth of it is free), so every page of it is faulted in again.
 *
 *   pagecost [ROUNDS]
 *
 * For ROUNDS fresh 1 MiB mappings (default 100) it times, per MiB:
 *   kernel   read() of a 1 MiB file into the mapping: the kernel faults
 *            the pages in and copies, as recv() does with a body
 *   first    the first copy out of those pages in user mode, 16 KB at a
 *            time, as nginx fills its TLS buffer
 *   again    the same copy once more: the copy alone
 * On bare metal "first" is about "again"; under some hypervisors (shadow
 * page tables) the first user access to each page traps too.
 *
 * Build: cc -O2 -o build/pagecost bench/pagecost.c
 */


#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>


#define PAGECOST_SIZE   (1024 * 1024)
#define PAGECOST_CHUNK  16384


static double pagecost_now(void);
static double pagecost_copy_out(const char *p, char *out);


int
main(int argc, char **argv)
{
    int      fd, i, rounds;
    char    *p, *out, path[] = "/tmp/pagecost.XXXXXX";
    double   t0, t1, t2, t3, kernel, first, again;

    rounds = (argc > 1) ? atoi(argv[1]) : 100;
    if (rounds <= 0) {
        fprintf(stderr, "usage: pagecost [ROUNDS]\n");
        return 2;
    }

    out = malloc(PAGECOST_CHUNK);
    p = malloc(PAGECOST_SIZE);
    if (out == NULL || p == NULL) {
        return 1;
    }

    memset(p, 'x', PAGECOST_SIZE);

    fd = mkstemp(path);
    if (fd == -1 || write(fd, p, PAGECOST_SIZE) != PAGECOST_SIZE) {
        perror("pagecost: temporary file");
        return 1;
    }

    unlink(path);
    free(p);

    kernel = 0;
    first = 0;
    again = 0;

    for (i = 0; i < rounds; i++) {
        p = mmap(NULL, PAGECOST_SIZE, PROT_READ|PROT_WRITE,
                 MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("pagecost: mmap");
            return 1;
        }

        t0 = pagecost_now();

        if (pread(fd, p, PAGECOST_SIZE, 0) != PAGECOST_SIZE) {
            perror("pagecost: read");
            return 1;
        }

        t1 = pagecost_now();
        (void) pagecost_copy_out(p, out);
        t2 = pagecost_now();
        (void) pagecost_copy_out(p, out);
        t3 = pagecost_now();

        kernel += t1 - t0;
        first += t2 - t1;
        again += t3 - t2;

        munmap(p, PAGECOST_SIZE);
    }

    printf("per MiB of fresh memory (%d rounds, %ld-byte pages):\n",
           rounds, sysconf(_SC_PAGESIZE));
    printf("  kernel  %8.1f us   read() into it: faults and copy\n",
           kernel / rounds * 1e6);
    printf("  first   %8.1f us   first user-mode copy out of it\n",
           first / rounds * 1e6);
    printf("  again   %8.1f us   the same copy once more\n",
           again / rounds * 1e6);

    return 0;
}


static double
pagecost_copy_out(const char *p, char *out)
{
    size_t             off;
    volatile unsigned  sum;

    sum = 0;

    for (off = 0; off < PAGECOST_SIZE; off += PAGECOST_CHUNK) {
        memcpy(out, p + off, PAGECOST_CHUNK);
        sum += (unsigned char) out[off % PAGECOST_CHUNK];
    }

    return sum;
}


static double
pagecost_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}
