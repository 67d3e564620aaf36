/* operation — long-running requests as ARM shows them.
 *
 * A request that starts an operation (db/op.h) answers 201/202 with
 *   Azure-AsyncOperation: <base>/subscriptions/{sub}/providers/Microsoft.Compute/
 *                         locations/{location}/operations/{operationId}?api-version=...
 *   Location:             .../operationResults/{operationId}?api-version=...
 *   Retry-After:          ACCELNET_OPS_RETRY_AFTER
 * The first answers {id, name, status, startTime, endTime, error} (status
 * InProgress, Succeeded, Failed or Canceled); the second 202 while the
 * operation runs, then 200 (no body) when it succeeded, or its error when it
 * failed. */
#ifndef ACCELNET_API_OPERATION_H
#define ACCELNET_API_OPERATION_H

#include "service/req.h"

/* Adds the three headers of a started operation to rp. */
void api_op_headers(const struct req *rq, struct reply *rp, const char *sub, const char *location,
                    const char *op_id);

#endif
