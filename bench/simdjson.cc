/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * simdjson 3.x for bench/compare.c: its DOM parser, which checks the
 * whole of RFC 8259 (UTF-8 too) while it builds its tape.  The input is
 * copied once, untimed, into a buffer with the SIMDJSON_PADDING it asks
 * for; the parser keeps its memory between runs.  Only bench/ links
 * simdjson, never the module.
 */


#include <simdjson.h>

#include <cstring>


static simdjson::dom::parser  bench_parser;
static char                  *bench_buf;
static size_t                 bench_size;
static const unsigned char   *bench_for;


extern "C" int bench_simdjson_init(size_t max);
extern "C" int bench_simdjson_parse(const unsigned char *data, size_t len);
extern "C" const char *bench_simdjson_name(void);


extern "C" int
bench_simdjson_init(size_t max)
{
    delete[] bench_buf;

    bench_buf = new (std::nothrow) char[max + simdjson::SIMDJSON_PADDING];
    bench_size = 0;
    bench_for = NULL;

    if (bench_buf == NULL) {
        return 1;
    }

    return bench_parser.allocate(max) == simdjson::SUCCESS ? 0 : 1;
}


extern "C" int
bench_simdjson_parse(const unsigned char *data, size_t len)
{
    simdjson::dom::element  doc;

    if (bench_for != data || bench_size != len) {
        std::memcpy(bench_buf, data, len);
        std::memset(bench_buf + len, 0, simdjson::SIMDJSON_PADDING);
        bench_for = data;
        bench_size = len;
    }

    return bench_parser.parse(bench_buf, len, false).get(doc)
           == simdjson::SUCCESS;
}


extern "C" const char *
bench_simdjson_name(void)
{
    static std::string  name;

    name = simdjson::get_active_implementation()->name();

    return name.c_str();
}
