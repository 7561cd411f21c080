
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * The one table of the module's error codes: what the client gets (code,
 * status, default message, Retry-After) and what the error log gets.
 * Errors, the counters, $faas_error and the status endpoint index it by
 * ngx_http_faas_err_e; README.md's "Errors" lists the same codes with the
 * same statuses (t/022-error-table.t checks it).  No request here.
 */


#include "ngx_http_faas.h"
#include "ngx_http_faas_error_table.h"


/*
 * In the order of ngx_http_faas_err_e, which is the order of the
 * per-function counters in the status endpoint.  The level is the one
 * of the module's own line about the error, which that line takes from
 * here (0: the module writes none, nginx may); "page": the code of
 * nginx's own error page of the status, NGX_HTTP_FAAS_ANY_4XX and _5XX
 * standing for any status of the class without a code of its own.
 */

static ngx_http_faas_error_t  ngx_http_faas_errors[NGX_HTTP_FAAS_ERRORS] = {

    /* NGX_HTTP_FAAS_ERR_NONE: no error, $faas_error is empty */
    { ngx_null_string, 0, ngx_null_string, 0,
      NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("invalid_json"), NGX_HTTP_BAD_REQUEST,
      ngx_string("the request body is not valid JSON"), NGX_LOG_INFO,
      NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("invalid_lambda"), NGX_HTTP_BAD_REQUEST,
      ngx_string("the lambda UUID is not a UUID"), NGX_LOG_INFO,
      NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("invalid_event"), NGX_HTTP_BAD_REQUEST,
      ngx_string("the event id is not valid"), NGX_LOG_INFO,
      NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("body_too_large"), NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
      ngx_string("the request body is larger than client_max_body_size"), 0,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("auth_unreachable"), NGX_HTTP_BAD_GATEWAY,
      ngx_string("the authorization server cannot be reached"), NGX_LOG_ERR,
      NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("auth_tls"), NGX_HTTP_BAD_GATEWAY,
      ngx_string("the authorization server's certificate is not trusted"),
      NGX_LOG_ERR, NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("auth_rejected"), NGX_HTTP_BAD_GATEWAY,
      ngx_string("the authorization server refused the credentials"),
      NGX_LOG_ERR, NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("auth_error"), NGX_HTTP_BAD_GATEWAY,
      ngx_string("the authorization server failed"), NGX_LOG_ERR,
      NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("auth_bad_response"), NGX_HTTP_BAD_GATEWAY,
      ngx_string("unusable token answer"), NGX_LOG_ERR,
      NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("auth_timeout"), NGX_HTTP_GATEWAY_TIME_OUT,
      ngx_string("no token from the authorization server in time"),
      NGX_LOG_ERR, NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("domain_lookup_failed"), NGX_HTTP_SERVICE_UNAVAILABLE,
      ngx_string("the Domain API named no host"), NGX_LOG_ERR,
      NGX_HTTP_FAAS_RETRY_LOOKUP, 0 },

    { ngx_string("token_unavailable"), NGX_HTTP_SERVICE_UNAVAILABLE,
      ngx_string("no valid token"), 0,
      NGX_HTTP_FAAS_RETRY_TOKEN, 0 },

    { ngx_string("function_error"), NGX_HTTP_BAD_GATEWAY,
      ngx_string("the function failed"), NGX_LOG_ERR,
      NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("bad_function_response"), NGX_HTTP_BAD_GATEWAY,
      ngx_string("the function's answer is not an HTTP response"),
      NGX_LOG_ERR, NGX_HTTP_FAAS_RETRY_NONE, 0 },

    { ngx_string("gateway_error"), NGX_HTTP_BAD_GATEWAY,
      ngx_string("the function gateway could not be reached or sent an "
                 "invalid answer"), NGX_LOG_ERR,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("gateway_timeout"), NGX_HTTP_GATEWAY_TIME_OUT,
      ngx_string("the function gateway did not answer in time"), 0,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("gateway_busy"), NGX_HTTP_SERVICE_UNAVAILABLE,
      ngx_string("all connections to the gateway are in use"), NGX_LOG_WARN,
      NGX_HTTP_FAAS_RETRY_QUEUE, 0 },

    { ngx_string("internal_error"), NGX_HTTP_INTERNAL_SERVER_ERROR,
      ngx_string("internal error, see the error log"), NGX_LOG_ERR,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("bad_request"), NGX_HTTP_BAD_REQUEST,
      ngx_string("the request is not valid"), 0,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("not_found"), NGX_HTTP_NOT_FOUND,
      ngx_string("not found"), 0,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("method_not_allowed"), NGX_HTTP_NOT_ALLOWED,
      ngx_string("the method is not allowed here"), 0,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("request_timeout"), NGX_HTTP_REQUEST_TIME_OUT,
      ngx_string("the client was too slow to send the request"), 0,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("unavailable"), NGX_HTTP_SERVICE_UNAVAILABLE,
      ngx_string("the service is unavailable"), 0,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("server_error"), NGX_HTTP_FAAS_ANY_5XX,
      ngx_string("the server could not answer the request"), 0,
      NGX_HTTP_FAAS_RETRY_NONE, 1 },

    { ngx_string("client_error"), NGX_HTTP_FAAS_ANY_4XX,
      ngx_string("the request could not be answered"), 0,
      NGX_HTTP_FAAS_RETRY_NONE, 1 }
};


ngx_http_faas_error_t *
ngx_http_faas_error_get(ngx_uint_t err)
{
    if (err >= NGX_HTTP_FAAS_ERRORS) {
        err = NGX_HTTP_FAAS_ERR_NONE;
    }

    return &ngx_http_faas_errors[err];
}


ngx_str_t *
ngx_http_faas_error_code(ngx_uint_t err)
{
    return &ngx_http_faas_error_get(err)->code;
}


/* the level of the module's line about an error: 0, it writes none */

ngx_uint_t
ngx_http_faas_error_level(ngx_uint_t err)
{
    return ngx_http_faas_error_get(err)->log_level;
}


/* the code of nginx's own error page of a status: its own, or its class' */

ngx_uint_t
ngx_http_faas_error_of_status(ngx_uint_t status)
{
    ngx_uint_t  i;

    for (i = 1; i < NGX_HTTP_FAAS_ERRORS; i++) {
        if (ngx_http_faas_errors[i].page
            && ngx_http_faas_errors[i].status == status)
        {
            return i;
        }
    }

    return (status >= NGX_HTTP_INTERNAL_SERVER_ERROR)
           ? NGX_HTTP_FAAS_ERR_SERVER_ERROR : NGX_HTTP_FAAS_ERR_CLIENT_ERROR;
}


/* Retry-After for a monotonic time in ms: whole seconds, 1 at least */

time_t
ngx_http_faas_error_retry_after(ngx_msec_t retry_at)
{
    ngx_msec_int_t  left;

    left = (ngx_msec_int_t) (retry_at - ngx_current_msec);

    if (left < 1000) {
        return 1;
    }

    return (time_t) ((left + 999) / 1000);
}
