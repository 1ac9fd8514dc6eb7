#ifndef NOMALY_CCURL_SHIM_H
#define NOMALY_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic: Swift needs one typed entry per argument kind.
static inline CURLcode CCurl_setopt_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode CCurl_setopt_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode CCurl_setopt_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode CCurl_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode CCurl_setopt_write_callback(CURL *curl, curl_write_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, callback);
}
static inline CURLcode CCurl_setopt_read_callback(CURL *curl, curl_read_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_READFUNCTION, callback);
}
static inline CURLcode CCurl_setopt_header_callback(CURL *curl, curl_write_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, callback);
}
static inline CURLcode CCurl_setopt_seek_callback(CURL *curl, curl_seek_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, callback);
}
static inline CURLcode CCurl_setopt_xferinfo_callback(CURL *curl, curl_xferinfo_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, callback);
}
static inline CURLcode CCurl_setopt_offset(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode CCurl_getinfo_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}
static inline CURLcode CCurl_getinfo_offset(CURL *curl, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(curl, info, value);
}

// Cast or function-like constants Swift does not import.
static const long CCurl_READFUNC_ABORT = CURL_READFUNC_ABORT;
static const int CCurl_SEEKFUNC_OK = CURL_SEEKFUNC_OK;
static const int CCurl_SEEKFUNC_FAIL = CURL_SEEKFUNC_FAIL;
static const long CCurl_GLOBAL_DEFAULT = CURL_GLOBAL_DEFAULT;

#endif
