/* fuzz_ws_codec.c - the gavel.v1 decoder on arbitrary frames: no crash, no
 * leak, and every outcome yields a reply the client can parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "srv_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(char *reply, size_t len)
{
    cJSON *parsed;

    if (!reply || strlen(reply) != len)
        abort();
    parsed = cJSON_Parse(reply);
    if (!parsed || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(parsed, "type")))
        abort();
    cJSON_Delete(parsed);
    gv_free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    struct srv_request req;
    char *reply = NULL;
    size_t len = 0;
    int err;

    if (!initialized) {
        srv_codec_init();
        initialized = 1;
    }
    err = srv_codec_decode(&req, data, size);
    if (err == 0) {
        if (req.type != SRV_REQ_PING || srv_codec_pong(&reply, &len, req.id) < 0)
            abort();
        check_reply(reply, len);
    } else if (err == GV_EPARSE) {
        if (!req.err_code || srv_codec_error(&reply, &len, req.id, req.err_code,
                                             req.err_message) < 0)
            abort();
        check_reply(reply, len);
    } else if (err != GV_ETOOBIG) {
        abort();
    }
    srv_request_release(&req);
    return 0;
}
