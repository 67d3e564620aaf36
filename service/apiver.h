/* apiver — the api-version values accelnetd serves, kept in one place. */
#ifndef ACCELNET_SERVICE_APIVER_H
#define ACCELNET_SERVICE_APIVER_H

/* 1 if v is supported. */
int apiver_supported(const char *v);
/* "'2016-09-01'" style list for messages (static storage). */
const char *apiver_list(void);

#endif
