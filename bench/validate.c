
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The request body check alone: ngx_http_faas_json_validate() over bodies
 * read from files (bench/validate-run makes them and builds this with
 * nginx's CFLAGS), and the same check fed in pieces.
 *
 *   validate [-n PASSES] [-p SIZE[,SIZE...]] NAME=FILE ...
 *
 * Each body is validated once untimed, then PASSES times, one timed call
 * each; printed are the best and the median pass, in microseconds per MiB
 * (2^20 bytes) and GB/s (10^9 bytes a second), and what the validator
 * said.  Each body sits at the end of its mapping, right before a page
 * with no access: a read past the body's end crashes the benchmark.
 * With -p, each body is also fed to ngx_http_faas_json_check_feed() in
 * pieces of each SIZE, every piece a buffer of its own (as nginx's body
 * buffers are), copied before the timing; its rows say "NAME/SIZE".
 * Built with -DBENCH_ONE_PIECE (an older source, without the piecewise
 * check), -p is refused.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_faas.h"
#include "ngx_http_faas_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>


#ifndef BENCH_ONE_PIECE
#define BENCH_ONE_PIECE  0
#endif


static u_char *bench_load(const char *file, size_t *len);
static void bench_report(const char *name, size_t len, int passes,
    double *times, ngx_int_t rc, const char *error);
#if !(BENCH_ONE_PIECE)
static void bench_pieces(const char *name, u_char *body, size_t len,
    size_t piece, int passes, double *times);
#endif
static int bench_double_cmp(const void *a, const void *b);
static double bench_now(void);


int
main(int argc, char **argv)
{
    int          i, n, passes;
    char        *name, *file, *sizes, *next;
    double       t, *times;
    size_t       len, piece;
    u_char      *body;
    ngx_int_t    rc;
    const char  *error;

    passes = 200;
    sizes = NULL;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-n") == 0) {
            passes = atoi(argv[i + 1]);

        } else if (strcmp(argv[i], "-p") == 0) {
            sizes = argv[i + 1];

        } else {
            break;
        }
    }

    if (i == argc || passes < 1) {
        fprintf(stderr, "usage: %s [-n PASSES] [-p SIZE[,SIZE...]] "
                "NAME=FILE ...\n", argv[0]);
        return 2;
    }

#if (BENCH_ONE_PIECE)
    if (sizes != NULL) {
        fprintf(stderr, "%s: built for a check in one piece only, no -p\n",
                argv[0]);
        return 2;
    }
#endif

    times = malloc(passes * sizeof(double));
    if (times == NULL) {
        return 1;
    }

    printf("%-15s %9s %6s  %21s  %21s  %s\n", "body", "bytes", "passes",
           "best us/MiB  GB/s", "median us/MiB  GB/s", "validator");

    for ( /* void */ ; i < argc; i++) {
        name = argv[i];

        file = strchr(name, '=');
        if (file == NULL) {
            fprintf(stderr, "%s: NAME=FILE expected\n", name);
            return 2;
        }

        *file++ = '\0';

        body = bench_load(file, &len);
        if (body == NULL) {
            return 1;
        }

        error = NULL;
        rc = ngx_http_faas_json_validate(body, len, &error);

        for (n = 0; n < passes; n++) {
            t = bench_now();
            (void) ngx_http_faas_json_validate(body, len, &error);
            times[n] = bench_now() - t;
        }

        bench_report(name, len, passes, times, rc, error);

        for (next = sizes; next != NULL && *next != '\0'; /* void */) {
            piece = strtoul(next, &next, 10);

            if (piece == 0) {
                fprintf(stderr, "-p: sizes are bytes, 1 and more\n");
                return 2;
            }

#if !(BENCH_ONE_PIECE)
            bench_pieces(name, body, len, piece, passes, times);
#endif

            if (*next == ',') {
                next++;
            }
        }
    }

    free(times);

    return 0;
}


static void
bench_report(const char *name, size_t len, int passes, double *times,
    ngx_int_t rc, const char *error)
{
    double  best, median;

    qsort(times, passes, sizeof(double), bench_double_cmp);

    best = times[0];
    median = (passes % 2) ? times[passes / 2]
             : (times[passes / 2 - 1] + times[passes / 2]) / 2;

    printf("%-15s %9zu %6d  %11.1f %9.2f  %13.1f %7.2f  %s\n",
           name, len, passes,
           best * 1e6 * 1048576 / len, len / best / 1e9,
           median * 1e6 * 1048576 / len, len / median / 1e9,
           rc == NGX_OK ? "ok" : error);
}


#if !(BENCH_ONE_PIECE)

/* the body fed in pieces of "piece" bytes, each in a buffer of its own */

static void
bench_pieces(const char *name, u_char *body, size_t len, size_t piece,
    int passes, double *times)
{
    int                          n;
    char                         label[64];
    double                       t;
    size_t                       np, j, size;
    u_char                     **pieces;
    ngx_int_t                    rc;
    ngx_http_faas_json_check_t   jc;

    np = (len + piece - 1) / piece;

    pieces = malloc((np + 1) * sizeof(u_char *));
    if (pieces == NULL) {
        exit(1);
    }

    for (j = 0; j < np; j++) {
        size = (j + 1 < np) ? piece : len - j * piece;

        pieces[j] = malloc(size);
        if (pieces[j] == NULL) {
            exit(1);
        }

        memcpy(pieces[j], body + j * piece, size);
    }

    rc = NGX_OK;

    for (n = -1; n < passes; n++) {
        t = bench_now();

        ngx_http_faas_json_check_init(&jc);
        rc = NGX_AGAIN;

        for (j = 0; j < np && rc == NGX_AGAIN; j++) {
            rc = ngx_http_faas_json_check_feed(&jc, pieces[j],
                                               (j + 1 < np)
                                               ? piece : len - j * piece);
        }

        if (rc == NGX_AGAIN) {
            rc = ngx_http_faas_json_check_end(&jc);
        }

        if (n >= 0) {
            times[n] = bench_now() - t;
        }
    }

    snprintf(label, sizeof(label), "%s/%zu", name, piece);

    bench_report(label, len, passes, times, rc, rc == NGX_OK ? NULL
                                                             : jc.error);

    for (j = 0; j < np; j++) {
        free(pieces[j]);
    }

    free(pieces);
}

#endif


/* the file's bytes, ending right before a PROT_NONE page */

static u_char *
bench_load(const char *file, size_t *len)
{
    long     page;
    FILE    *f;
    size_t   size, mapped;
    u_char  *map, *body;

    f = fopen(file, "rb");
    if (f == NULL) {
        perror(file);
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);

    page = sysconf(_SC_PAGESIZE);
    mapped = (size + page - 1) / page * page + page;

    map = mmap(NULL, mapped, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS,
               -1, 0);
    if (map == MAP_FAILED) {
        perror("mmap");
        fclose(f);
        return NULL;
    }

    if (mprotect(map + mapped - page, page, PROT_NONE) != 0) {
        perror("mprotect");
        fclose(f);
        return NULL;
    }

    body = map + mapped - page - size;

    if (fread(body, 1, size, f) != size) {
        fprintf(stderr, "%s: short read\n", file);
        fclose(f);
        return NULL;
    }

    fclose(f);

    *len = size;

    return body;
}


static int
bench_double_cmp(const void *a, const void *b)
{
    double  x, y;

    x = *(const double *) a;
    y = *(const double *) b;

    return (x > y) - (x < y);
}


static double
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}
