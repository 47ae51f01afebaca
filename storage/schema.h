/*
 * Schema migrations, applied in order by store_init(). Entry i moves
 * user_version from i to i+1. Never edit an applied migration: append.
 */
#ifndef EMU_STORAGE_SCHEMA_H
#define EMU_STORAGE_SCHEMA_H

static const char *const store_migrations[] = {
    /* 0 -> 1: Lambda control plane. Configuration documents are kept as
     * the JSON AWS returns (cJSON text); the columns beside them are what
     * queries filter or join on. */
    "CREATE TABLE functions("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  config TEXT NOT NULL,"            /* $LATEST FunctionConfiguration */
    "  tags TEXT NOT NULL DEFAULT '{}',"
    "  reserved INTEGER,"                /* NULL: no reserved concurrency */
    "  next_version INTEGER NOT NULL DEFAULT 1,"
    "  published_rev TEXT,"              /* $LATEST RevisionId at last publish */
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(account, region, name)) STRICT;"
    "CREATE TABLE versions("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  config TEXT NOT NULL,"
    "  PRIMARY KEY(account, region, name, version)) STRICT;"
    "CREATE TABLE aliases("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  alias TEXT NOT NULL,"
    "  config TEXT NOT NULL,"            /* AliasConfiguration */
    "  PRIMARY KEY(account, region, name, alias)) STRICT;"
    "CREATE TABLE policies("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  qualifier TEXT NOT NULL,"         /* '' for the unqualified function */
    "  statements TEXT NOT NULL,"        /* JSON array of statements */
    "  revision TEXT NOT NULL,"
    "  PRIMARY KEY(account, region, name, qualifier)) STRICT;"
    "CREATE TABLE pc_configs("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  qualifier TEXT NOT NULL,"         /* version number or alias name */
    "  requested INTEGER NOT NULL,"
    "  ready_ms INTEGER NOT NULL,"       /* clock time it becomes READY */
    "  last_modified TEXT NOT NULL,"
    "  PRIMARY KEY(account, region, name, qualifier)) STRICT;",
};

#define STORE_SCHEMA_VERSION \
    ((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

#endif
