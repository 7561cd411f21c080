
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * escape: JSON strings, form encoding, base64, UTF-8
 * (ngx_http_faas_escape.c).
 */


#ifndef _NGX_HTTP_FAAS_ESCAPE_H_INCLUDED_
#define _NGX_HTTP_FAAS_ESCAPE_H_INCLUDED_


#include "ngx_http_faas.h"


/* escape: JSON strings, form encoding, base64 in pieces, UTF-8 */
size_t ngx_http_faas_form_escape(u_char *dst, ngx_str_t *src);
size_t ngx_http_faas_json_escape(u_char *dst, u_char *src, size_t len);
ngx_int_t ngx_http_faas_json_escape_text(u_char **dst, u_char *src,
    size_t len, size_t *used);
u_char *ngx_http_faas_base64_piece(u_char *dst, u_char *src, size_t len,
    ngx_uint_t last, size_t *used);
size_t ngx_http_faas_utf8_seq(u_char *p, u_char *last);
ngx_uint_t ngx_http_faas_utf8_cut(u_char *p, u_char *last);
size_t ngx_http_faas_utf8_whole(u_char *p, size_t len);
ngx_uint_t ngx_http_faas_utf8_valid(u_char *p, size_t len);


#endif /* _NGX_HTTP_FAAS_ESCAPE_H_INCLUDED_ */
