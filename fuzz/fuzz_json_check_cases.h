
/*
 * Copyright (C) ngx_http_faas_module authors
 *
 * What the request body's JSON check says of some bodies: each message
 * it has, each place a body can end too early, each kind of token a
 * piece's end can cut.  fuzz/fuzz_json_validate.c and
 * fuzz/diff_json_validate.c check every case in one piece, split in two
 * at every byte, and byte by byte.  offset -1: the body is JSON; len 0:
 * strlen(body).
 */


#ifndef _FUZZ_JSON_CHECK_CASES_H_INCLUDED_
#define _FUZZ_JSON_CHECK_CASES_H_INCLUDED_


typedef struct {
    const char  *body;
    size_t       len;
    off_t        offset;
    const char  *error;
} fuzz_case_t;


#define FUZZ_OK  -1, NULL


static const fuzz_case_t  fuzz_json_check_cases[] = {

    /* JSON */

    { "{}", 0, FUZZ_OK },
    { "[]", 0, FUZZ_OK },
    { " \t\r\n[ ] \n", 0, FUZZ_OK },
    { "0", 0, FUZZ_OK },
    { "-0.5e+10", 0, FUZZ_OK },
    { "123456789012345678901234567890", 0, FUZZ_OK },
    { "true", 0, FUZZ_OK },
    { "false", 0, FUZZ_OK },
    { "null", 0, FUZZ_OK },
    { "\"\"", 0, FUZZ_OK },
    { "{\"a\":[1,2.5,-3e-2,true,false,null,\"x\",{},[]]}", 0, FUZZ_OK },
    { "{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }", 0, FUZZ_OK },
    { "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"", 0,
      FUZZ_OK },
    { "\"caf\xc3\xa9 \xe6\x97\xa5 \xed\x9f\xbf \xee\x80\x80 \xf0\x9f\x98\x80"
      " \xf4\x8f\xbf\xbf\"", 0, FUZZ_OK },
    { "\"\\\\\\\\\\\"\"", 0, FUZZ_OK },
    { "\"\x7f~\"", 0, FUZZ_OK },

    /* where a value is due */

    { "", 0, 0, "the body has no JSON value" },
    { "  \n ", 0, 4, "the body has no JSON value" },
    { "x", 0, 0, "expected a value" },
    { "[,1]", 0, 1, "expected a value" },
    { "[1,]", 0, 3, "expected a value" },
    { "[}", 0, 1, "expected a value" },
    { "{\"a\":}", 0, 5, "expected a value" },
    { "True", 0, 0, "expected a value" },
    { "+1", 0, 0, "expected a value" },
    { ".5", 0, 0, "expected a value" },

    /* keys, colons, commas */

    { "{1:2}", 0, 1, "expected a key" },
    { "{\"a\":1,}", 0, 7, "expected a key" },
    { "{]", 0, 1, "expected a key" },
    { "{'a':1}", 0, 1, "expected a key" },
    { "{\"a\" 1}", 0, 5, "expected ':'" },
    { "{\"a\",1}", 0, 4, "expected ':'" },
    { "[1 2]", 0, 3, "expected ',' or ']'" },
    { "[1}", 0, 2, "expected ',' or ']'" },
    { "[01]", 0, 2, "expected ',' or ']'" },
    { "{\"a\":1]", 0, 6, "expected ',' or '}'" },
    { "{\"a\":1 \"b\":2}", 0, 7, "expected ',' or '}'" },

    /* after the value */

    { "{}x", 0, 2, "data after the JSON value" },
    { "1 2", 0, 2, "data after the JSON value" },
    { "01", 0, 1, "data after the JSON value" },
    { "[]]", 0, 2, "data after the JSON value" },
    { "{\"name\": \"Ada\"} {\"again\": 1}", 0, 16,
      "data after the JSON value" },
    { "null\0", 5, 4, "data after the JSON value" },

    /* numbers and literals */

    { "-", 0, 1, "the body ended inside a number" },
    { "-x", 0, 1, "expected a digit" },
    { "--1", 0, 1, "expected a digit" },
    { "1.", 0, 2, "the body ended inside a number" },
    { "1.x", 0, 2, "expected a digit" },
    { "[1.]", 0, 3, "expected a digit" },
    { "1e", 0, 2, "the body ended inside a number" },
    { "1e+", 0, 3, "the body ended inside a number" },
    { "1E-x", 0, 3, "expected a digit" },
    { "1ex", 0, 2, "expected a digit" },
    { "tr", 0, 2, "the body ended inside a literal" },
    { "trUe", 0, 2, "expected 'true'" },
    { "fals", 0, 4, "the body ended inside a literal" },
    { "falsy", 0, 4, "expected 'false'" },
    { "nul1", 0, 3, "expected 'null'" },
    { "[nulll]", 0, 5, "expected ',' or ']'" },

    /* strings */

    { "\"abc", 0, 4, "the body ended inside a string" },
    { "\"abc\\", 0, 5, "the body ended inside a string" },
    { "\"\\u12", 0, 5, "the body ended inside a string" },
    { "\"\\x\"", 0, 2, "invalid escape" },
    { "\"\\U0041\"", 0, 2, "invalid escape" },
    { "\"\\u00g0\"", 0, 5, "expected a hex digit" },
    { "\"\\u12\"", 0, 5, "expected a hex digit" },
    { "\"a\x01\"", 0, 2, "control character in a string" },
    { "\"a\tb\"", 0, 2, "control character in a string" },
    { "\"\0\"", 3, 1, "control character in a string" },
    { "\"\x80\"", 0, 1, "invalid UTF-8" },
    { "\"\xc0\x80\"", 0, 1, "invalid UTF-8" },
    { "\"\xc1\xbf\"", 0, 1, "invalid UTF-8" },
    { "\"\xc3\"", 0, 2, "invalid UTF-8" },
    { "\"\xc3", 0, 2, "the body ended inside a string" },
    { "\"\xe0\x80\x80\"", 0, 2, "invalid UTF-8" },
    { "\"\xe0\x9f\xbf\"", 0, 2, "invalid UTF-8" },
    { "\"\xed\xa0\x80\"", 0, 2, "invalid UTF-8" },
    { "\"\xe6\x97\"", 0, 3, "invalid UTF-8" },
    { "\"\xf0\x8f\xbf\xbf\"", 0, 2, "invalid UTF-8" },
    { "\"\xf4\x90\x80\x80\"", 0, 2, "invalid UTF-8" },
    { "\"\xf5\x80\x80\x80\"", 0, 1, "invalid UTF-8" },
    { "\"\xf0\x9f\x98\"", 0, 4, "invalid UTF-8" },
    { "\"\xf0\x9f\x98", 0, 4, "the body ended inside a string" },
    { "\"caf\xe9\"", 0, 5, "invalid UTF-8" },     /* E9 leads, '"' ends */
    { "{\"\xff\":1}", 0, 2, "invalid UTF-8" },

    /* where the body ends too early */

    { "[", 0, 1, "the body ended inside an array" },
    { "[1", 0, 2, "the body ended inside an array" },
    { "[1,", 0, 3, "the body ended inside an array" },
    { "[[]", 0, 3, "the body ended inside an array" },
    { "{", 0, 1, "the body ended inside an object" },
    { "{\"a\"", 0, 4, "the body ended inside an object" },
    { "{\"a\":", 0, 5, "the body ended inside an object" },
    { "{\"a\":1", 0, 6, "the body ended inside an object" },
    { "{\"a\":1,", 0, 7, "the body ended inside an object" },
    { "{\"name\": \"Ada\"", 0, 14, "the body ended inside an object" },
    { "[{\"a\":[1]}", 0, 10, "the body ended inside an array" },

    /* long strings: the windows of 64 bytes and the blocks */

    { "[\"0123456789012345678901234567890123456789012345678901234567890123"
      "456789012345678901234567890123456789\"]", 0, FUZZ_OK },
    { "[\"\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\"
      "\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9"
      "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xc3\xa9\xe6\x97\xa5\"]", 0,
      FUZZ_OK },
    { "[\"\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\"
      "\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9"
      "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xc3\xe6\x97\xa5\"]", 0, 104,
      "invalid UTF-8" },
    { "[\"\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\"
      "\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9"
      "\\q0123456789012345678901234567890123456789012345678901234567\"]", 0,
      95, "invalid escape" },
    { "[\"\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\"
      "\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9\\\\\\/\\n\\t\\\"\\u00e9"
      "\\u00\"0123456789012345678901234567890123456789012345678901234567\"]",
      0, 98, "expected a hex digit" },
};


#endif /* _FUZZ_JSON_CHECK_CASES_H_INCLUDED_ */
