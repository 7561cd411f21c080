
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The request body check alone: ngx_http_faas_json_validate() over bodies
 * read from files (bench/validate-run makes them and builds this with
 * nginx's CFLAGS).
 *
 *   validate [-n PASSES] NAME=FILE ...
 *
 * Each body is validated once untimed, then PASSES times, one timed call
 * each; printed are the best and the median pass, in microseconds per MiB
 * (2^20 bytes) and GB/s (10^9 bytes a second), and what the validator
 * said.  Each body sits at the end of its mapping, right before a page
 * with no access: a read past the body's end crashes the benchmark.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_faas.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>


static u_char *bench_load(const char *file, size_t *len);
static int bench_double_cmp(const void *a, const void *b);
static double bench_now(void);


int
main(int argc, char **argv)
{
    int          i, n, passes;
    char        *name, *file;
    double       t, *times, best, median;
    size_t       len;
    u_char      *body;
    ngx_int_t    rc;
    const char  *error;

    passes = 200;
    i = 1;

    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        passes = atoi(argv[2]);
        i = 3;
    }

    if (i == argc || passes < 1) {
        fprintf(stderr, "usage: %s [-n PASSES] NAME=FILE ...\n", argv[0]);
        return 2;
    }

    times = malloc(passes * sizeof(double));
    if (times == NULL) {
        return 1;
    }

    printf("%-10s %9s %6s  %21s  %21s  %s\n", "body", "bytes", "passes",
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

        qsort(times, passes, sizeof(double), bench_double_cmp);

        best = times[0];
        median = (passes % 2) ? times[passes / 2]
                 : (times[passes / 2 - 1] + times[passes / 2]) / 2;

        printf("%-10s %9zu %6d  %11.1f %9.2f  %13.1f %7.2f  %s\n",
               name, len, passes,
               best * 1e6 * 1048576 / len, len / best / 1e9,
               median * 1e6 * 1048576 / len, len / median / 1e9,
               rc == NGX_OK ? "ok" : error);
    }

    free(times);

    return 0;
}


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
