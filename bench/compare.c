
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The request body's JSON check against an earlier version of itself and
 * against simdjson, in one process, interleaved (bench/validate-compare
 * builds it):
 *
 *   compare [-n PASSES] [-p PIECE] NAME=FILE ...
 *
 * For each body, PASSES rounds; in each round, one timed run of each
 * contender, in turn:
 *
 *   old       ngx_http_faas_json_validate() of the earlier revision
 *   new       ngx_http_faas_json_validate() of today: one piece
 *   pieces    today's check fed PIECE bytes at a time (default 16384),
 *             each piece from its own buffer, as nginx's body buffers
 *   simdjson  simdjson's DOM parser (bench/simdjson.cc), which checks
 *             all of RFC 8259 and UTF-8 as well, and builds its tape
 *
 * Printed are MB/s (10^6 bytes a second) of the best and the median
 * round, and what each said of the body.  The host's speed drifts for
 * seconds at a time; interleaving gives every contender the same drift.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_faas.h"
#include "ngx_http_faas_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>


#define BENCH_CONTENDERS  4


ngx_int_t bench_old_validate(u_char *data, size_t len, const char **error);
int bench_simdjson_init(size_t max);
int bench_simdjson_parse(const u_char *data, size_t len);
const char *bench_simdjson_name(void);


static int bench_run(int which, u_char *body, size_t len, u_char **pieces,
    size_t piece);
static u_char *bench_load(const char *file, size_t *len);
static int bench_double_cmp(const void *a, const void *b);
static double bench_now(void);


static const char  *bench_names[BENCH_CONTENDERS] = {
    "old", "new", "pieces", "simdjson"
};


int
main(int argc, char **argv)
{
    int          i, k, n, passes, verdict[BENCH_CONTENDERS];
    char        *name, *file;
    double       t, *times[BENCH_CONTENDERS], best, median;
    size_t       len, piece, np, j;
    u_char      *body, **pieces;

    passes = 100;
    piece = 16384;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-n") == 0) {
            passes = atoi(argv[i + 1]);

        } else if (strcmp(argv[i], "-p") == 0) {
            piece = strtoul(argv[i + 1], NULL, 10);

        } else {
            break;
        }
    }

    if (i == argc || passes < 1 || piece < 1) {
        fprintf(stderr, "usage: %s [-n PASSES] [-p PIECE] NAME=FILE ...\n",
                argv[0]);
        return 2;
    }

    for (k = 0; k < BENCH_CONTENDERS; k++) {
        times[k] = malloc(passes * sizeof(double));
        if (times[k] == NULL) {
            return 1;
        }
    }

    printf("simdjson: %s kernel; pieces: %zu bytes; %d rounds; MB/s, "
           "best (median)\n\n", bench_simdjson_name(), piece, passes);
    printf("%-9s %9s", "body", "bytes");

    for (k = 0; k < BENCH_CONTENDERS; k++) {
        printf(" %17s", bench_names[k]);
    }

    printf("  verdicts\n");

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

        if (bench_simdjson_init(len) != 0) {
            fprintf(stderr, "simdjson: cannot allocate for %zu bytes\n", len);
            return 1;
        }

        /* each piece in a buffer of its own, as nginx reads a body */

        np = (len + piece - 1) / piece;
        pieces = malloc((np + 1) * sizeof(u_char *));
        if (pieces == NULL) {
            return 1;
        }

        for (j = 0; j < np; j++) {
            pieces[j] = malloc(piece);
            if (pieces[j] == NULL) {
                return 1;
            }

            memcpy(pieces[j], body + j * piece,
                   (j + 1 < np) ? piece : len - j * piece);
        }

        for (k = 0; k < BENCH_CONTENDERS; k++) {
            verdict[k] = bench_run(k, body, len, pieces, piece);
        }

        for (n = 0; n < passes; n++) {
            for (k = 0; k < BENCH_CONTENDERS; k++) {
                t = bench_now();
                (void) bench_run(k, body, len, pieces, piece);
                times[k][n] = bench_now() - t;
            }
        }

        printf("%-9s %9zu", name, len);

        for (k = 0; k < BENCH_CONTENDERS; k++) {
            qsort(times[k], passes, sizeof(double), bench_double_cmp);

            best = times[k][0];
            median = (passes % 2) ? times[k][passes / 2]
                     : (times[k][passes / 2 - 1] + times[k][passes / 2]) / 2;

            printf("   %6.0f (%6.0f)", len / best / 1e6, len / median / 1e6);
        }

        printf("  %s %s %s %s\n", verdict[0] ? "ok" : "bad",
               verdict[1] ? "ok" : "bad", verdict[2] ? "ok" : "bad",
               verdict[3] ? "ok" : "bad");
        fflush(stdout);

        for (j = 0; j < np; j++) {
            free(pieces[j]);
        }

        free(pieces);
    }

    for (k = 0; k < BENCH_CONTENDERS; k++) {
        free(times[k]);
    }

    return 0;
}


/* 1: the contender says the body is JSON */

static int
bench_run(int which, u_char *body, size_t len, u_char **pieces, size_t piece)
{
    size_t                       j;
    const char                  *error;
    ngx_http_faas_json_check_t   jc;

    switch (which) {

    case 0:
        return bench_old_validate(body, len, &error) == NGX_OK;

    case 1:
        return ngx_http_faas_json_validate(body, len, &error) == NGX_OK;

    case 2:
        ngx_http_faas_json_check_init(&jc);

        for (j = 0; j < len; j += piece) {
            if (ngx_http_faas_json_check_feed(&jc, pieces[j / piece],
                                              (len - j < piece) ? len - j
                                                                : piece)
                == NGX_ERROR)
            {
                return 0;
            }
        }

        return ngx_http_faas_json_check_end(&jc) == NGX_OK;

    default:
        return bench_simdjson_parse(body, len);
    }
}


static u_char *
bench_load(const char *file, size_t *len)
{
    FILE    *f;
    size_t   size;
    u_char  *body;

    f = fopen(file, "rb");
    if (f == NULL) {
        perror(file);
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);

    body = malloc(size ? size : 1);

    if (body == NULL || fread(body, 1, size, f) != size) {
        fprintf(stderr, "%s: cannot read\n", file);
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
