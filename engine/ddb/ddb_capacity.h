/*
 * DynamoDB consumed capacity: the unit arithmetic of the Amazon DynamoDB
 * Developer Guide ("DynamoDB read and write operations", "Item sizes and
 * formats", and the index pages' "Provisioned throughput considerations"),
 * the ReturnConsumedCapacity parameter, and the ConsumedCapacity member the
 * item operations return when asked. The arithmetic is pure. Used by
 * api/ddb_items.c and api/ddb_query.c.
 */
#ifndef SLUICE_ENGINE_DDB_DDB_CAPACITY_H
#define SLUICE_ENGINE_DDB_DDB_CAPACITY_H

#include "engine/ddb/ddb.h"

#include <stddef.h>

struct cJSON;

/* A read unit covers 4 KB of item, a write unit 1 KB ("DynamoDB read and
 * write operations"). */
#define DDB_READ_UNIT_BYTES 4096
#define DDB_WRITE_UNIT_BYTES 1024

/* ------------------------------------------------------------------ */
/* Unit arithmetic (pure, thread-safe)                                  */
/* ------------------------------------------------------------------ */

/* Read units for BYTES read in one request: rounded up to 4 KB, at least
 * one unit (a read of a missing item still costs one), halved when not
 * CONSISTENT. */
double ddb_cap_read(size_t bytes, int consistent);

/* Write units for an item of BYTES: rounded up to 1 KB, at least one. */
double ddb_cap_write(size_t bytes);

/* Write units of a write that replaces an item of OLD_BYTES (0: none) by
 * one of NEW_BYTES (0: a delete): the larger of the two sizes counts. */
double ddb_cap_item_write(size_t old_bytes, size_t new_bytes);

/* One item's entry in a secondary index, before or after a write. */
struct ddb_cap_entry {
    int present;     /* the item carries the index's key attributes */
    size_t bytes;    /* size of the projected entry when present */
};

/* Write units a table write costs one secondary index ("Provisioned
 * throughput considerations" of global and local secondary indexes):
 * none when the item is in the index neither before nor after; one write
 * of the entry put or removed; two (a delete and a put) when the index key
 * changed; one put when only projected attributes changed (ENTRY_CHANGED);
 * none when the entry is unchanged. Each write is rounded up to 1 KB. */
double ddb_cap_index_write(const struct ddb_cap_entry *before, const struct ddb_cap_entry *after,
                           int key_changed, int entry_changed);

/* ------------------------------------------------------------------ */
/* Index entries (pure)                                                 */
/* ------------------------------------------------------------------ */

/* The entry ITEM (NULL: absent) has in index IX of T: present when ITEM
 * carries IX's key attributes; its size counts the table keys, the index
 * keys and the projected attributes (all of them for ALL). */
struct ddb_cap_entry ddb_cap_index_entry(const struct ddb_table *t, const struct ddb_index *ix,
                                         const struct cJSON *item);

/* ------------------------------------------------------------------ */
/* ReturnConsumedCapacity and ConsumedCapacity                          */
/* ------------------------------------------------------------------ */

enum ddb_rcc { DDB_RCC_NONE, DDB_RCC_TOTAL, DDB_RCC_INDEXES };

/* Parses ReturnConsumedCapacity value V (NULL: absent, NONE) into *OUT.
 * Returns 0, or -1 when V is not in the enum (pure). */
int ddb_rcc_parse(const char *v, enum ddb_rcc *out);

/* The constraint text of a ReturnConsumedCapacity outside the enum. */
#define DDB_RCC_ENUM "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"

/* Capacity consumed on one table by one request. */
struct ddb_cap {
    char table[1024];   /* the table as the request named it */
    double table_units;
    int nidx;
    struct {
        char name[256];
        int global;
        double units;
    } idx[DDB_MAX_INDEXES];
};

/* Starts C for TABLE, with nothing consumed. */
void ddb_cap_init(struct ddb_cap *c, const char *table);

/* Adds UNITS consumed on index IX. */
void ddb_cap_add_index(struct ddb_cap *c, const struct ddb_index *ix, double units);

/* Adds the cost of a write on T that turns OLD_ITEM into NEW_ITEM
 * (either may be NULL): the table and every index, times FACTOR (2 in
 * transactions). */
void ddb_cap_add_write(struct ddb_cap *c, const struct ddb_table *t, const struct cJSON *old_item,
                       const struct cJSON *new_item, double factor);

/* The ConsumedCapacity object of C under MODE (not NONE): TableName and
 * CapacityUnits, plus Table and the index maps for INDEXES. RW_MEMBER
 * ("ReadCapacityUnits" / "WriteCapacityUnits", or NULL) repeats the total
 * under that name, as transactions answer. Returns a new object. */
struct cJSON *ddb_cap_json(const struct ddb_cap *c, enum ddb_rcc mode, const char *rw_member);

/* Adds "ConsumedCapacity" to the response O when MODE is not NONE. */
void ddb_cap_reply(struct cJSON *o, const struct ddb_cap *c, enum ddb_rcc mode);

/* The per-table capacities of a batch or transaction, in the order the
 * tables were first met, for a request that asked for MODE. */
struct ddb_caps {
    enum ddb_rcc mode;
    int n, cap;
    struct ddb_cap *a;
};

/* The entry of TABLE in CS, added when new. Valid until the next call. */
struct ddb_cap *ddb_caps_get(struct ddb_caps *cs, const char *table);

/* ddb_cap_add_write on TABLE's entry in CS. Nothing when CS's mode is
 * NONE: a request that asked for no capacity sizes no items. */
void ddb_caps_add_write(struct ddb_caps *cs, const char *table, const struct ddb_table *t,
                        const struct cJSON *old_item, const struct cJSON *new_item, double factor);

/* Adds to TABLE's entry in CS FACTOR times the read units of ITEM (NULL:
 * nothing found, still one unit) under CONSISTENT; nothing when CS's mode
 * is NONE. */
void ddb_caps_add_read(struct ddb_caps *cs, const char *table, const struct cJSON *item, int consistent,
                       double factor);

/* Adds "ConsumedCapacity" (a list, one object per table) to O when CS's
 * mode is not NONE; RW_MEMBER as for ddb_cap_json. Frees CS's storage
 * either way. */
void ddb_caps_reply(struct cJSON *o, struct ddb_caps *cs, const char *rw_member);

/* Frees CS's storage (for error paths). */
void ddb_caps_free(struct ddb_caps *cs);

#endif
