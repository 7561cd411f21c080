
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * validate: the request body's JSON check (ngx_http_faas_validate.c).
 */


#ifndef _NGX_HTTP_FAAS_VALIDATE_H_INCLUDED_
#define _NGX_HTTP_FAAS_VALIDATE_H_INCLUDED_


#include "ngx_http_faas.h"


#define NGX_HTTP_FAAS_JSON_DEPTH          1000


/*
 * The request body's JSON check, fed the body in pieces of any size, in
 * turn (see ngx_http_faas_validate.c): fixed size, no allocation, no
 * pointer into a piece kept.  offset: the bytes fed so far; on NGX_ERROR,
 * that of the first wrong byte from the start of the body (the body's
 * length if it ended too early), and error, a static string, what was
 * expected there ("expected a value").  The rest is the check's own.
 */

#define NGX_HTTP_FAAS_JSON_STACK  ((NGX_HTTP_FAAS_JSON_DEPTH + 63) / 64)

typedef struct {
    off_t         offset;           /* bytes fed, or where it broke */
    const char   *error;
    ngx_uint_t    state;
    ngx_uint_t    depth;
    uint32_t      sub;              /* in a token cut by a piece's end */
    uint64_t      stack[NGX_HTTP_FAAS_JSON_STACK];   /* bit set: object */
} ngx_http_faas_json_check_t;


/* validate: the request body's JSON check */
void ngx_http_faas_json_check_init(ngx_http_faas_json_check_t *jc);
ngx_int_t ngx_http_faas_json_check_feed(ngx_http_faas_json_check_t *jc,
    u_char *data, size_t len);
ngx_int_t ngx_http_faas_json_check_end(ngx_http_faas_json_check_t *jc);
ngx_int_t ngx_http_faas_json_validate(u_char *data, size_t len,
    const char **error);


#endif /* _NGX_HTTP_FAAS_VALIDATE_H_INCLUDED_ */
