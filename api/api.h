/* api — the handlers, one file per resource type, named after what they
 * serve. The route table (service/routes.c) is the only caller. */
#ifndef ACCELNET_API_API_H
#define ACCELNET_API_API_H

#include "service/req.h"

/* api/health.c */
void api_health_live(struct req *rq, struct reply *rp);
void api_health_ready(struct req *rq, struct reply *rp);
void api_metrics_get(struct req *rq, struct reply *rp);

/* api/token.c — admin and agent tokens */
void api_token_create(struct req *rq, struct reply *rp);
void api_token_list(struct req *rq, struct reply *rp);
void api_token_get(struct req *rq, struct reply *rp);
void api_token_delete(struct req *rq, struct reply *rp);

#endif
