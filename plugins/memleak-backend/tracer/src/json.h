/* Just enough JSON writing for the line protocol. */
#ifndef JSON_H
#define JSON_H
#include <stdio.h>

/* Writes s as a JSON string literal, quotes included. */
void json_string(FILE *out, const char *s);
/* One {"type":"error",...} line: code is a NoticeCode of memleak-common. */
void json_error(FILE *out, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#endif
