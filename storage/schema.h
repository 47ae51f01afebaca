/*
 * The database schema. store_migrations[i] moves user_version from i to
 * i+1; store_init() applies them in order to a database made by an
 * earlier build. Never edit an applied migration: append.
 * A new database does not replay them at start: the build
 * (tools/mkdbimage.c) runs every migration once and embeds the resulting
 * database, which store_init writes out for every new data directory and
 * --in-memory start. Replaying every migration at start parsed each
 * CREATE and re-read the whole schema after every ALTER and every
 * commit: 27 of the 29 million instructions the main thread ran to start
 * (see docs/architecture.md). tests/unit/test_store.c checks that a new
 * database has the same schema as every migration from 0.
 */
#ifndef SLUICE_STORAGE_SCHEMA_H
#define SLUICE_STORAGE_SCHEMA_H

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
    "  published_rev TEXT,"              /* fingerprint of $LATEST at last publish */
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

    /* 1 -> 2: DynamoDB tables, items, secondary-index entries, and
     * streams with their shards and records. Keys are stored as
     * order-preserving byte strings (engine/ddb/ddb_key.c) so that SQLite's
     * memcmp ordering of BLOBs is DynamoDB's key order. */
    "CREATE TABLE ddb_tables("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  id TEXT NOT NULL UNIQUE,"          /* TableId */
    "  description TEXT NOT NULL,"        /* TableDescription, static parts */
    "  tags TEXT NOT NULL DEFAULT '[]',"
    "  ttl TEXT,"                         /* TimeToLiveSpecification or NULL */
    "  stream_arn TEXT,"                  /* latest stream, enabled or not */
    "  partitions INTEGER NOT NULL DEFAULT 1,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(account, region, name)) STRICT;"
    "CREATE TABLE ddb_items("
    "  table_id TEXT NOT NULL,"
    "  hk BLOB NOT NULL,"
    "  rk BLOB NOT NULL,"                 /* x'' when the table has no range key */
    "  item TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  expires INTEGER,"                  /* TTL attribute as epoch seconds, or NULL */
    "  PRIMARY KEY(table_id, hk, rk)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX ddb_items_expiry ON ddb_items(expires) WHERE expires IS NOT NULL;"
    "CREATE TABLE ddb_index_items("
    "  table_id TEXT NOT NULL,"
    "  idx TEXT NOT NULL,"
    "  ihk BLOB NOT NULL,"
    "  irk BLOB NOT NULL,"
    "  hk BLOB NOT NULL,"
    "  rk BLOB NOT NULL,"
    "  PRIMARY KEY(table_id, idx, ihk, irk, hk, rk)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX ddb_index_items_item ON ddb_index_items(table_id, hk, rk);"
    "CREATE TABLE ddb_streams("
    "  arn TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  table_name TEXT NOT NULL,"
    "  table_id TEXT NOT NULL,"
    "  label TEXT NOT NULL,"
    "  view_type TEXT NOT NULL,"
    "  key_schema TEXT NOT NULL,"
    "  enabled INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  disabled_ms INTEGER,"
    "  partitions INTEGER NOT NULL,"
    "  next_seq INTEGER NOT NULL,"
    "  trim_seq INTEGER NOT NULL DEFAULT 0) STRICT;"      /* highest seq trimmed */
    "CREATE INDEX ddb_streams_scope ON ddb_streams(account, region, table_name);"
    "CREATE TABLE ddb_shards("
    "  arn TEXT NOT NULL,"
    "  shard_id TEXT NOT NULL,"
    "  parent_id TEXT,"
    "  partition INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  start_seq INTEGER NOT NULL,"       /* first sequence number it may hold */
    "  end_seq INTEGER,"                  /* last one, once closed */
    "  trim_seq INTEGER NOT NULL DEFAULT 0,"  /* its records up to here are trimmed */
    "  PRIMARY KEY(arn, shard_id)) STRICT;"
    /* (Both rebuilt by 8 -> 9 below.) One B-tree, no secondary index:
     * every write appends a record, so each extra index is another page
     * written per PutItem. Reads go by
     * shard in seq order; trimming walks each shard from its start (seq
     * order is creation order within a stream). */
    "CREATE TABLE ddb_records("
    "  arn TEXT NOT NULL,"
    "  shard_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  record TEXT NOT NULL,"
    "  PRIMARY KEY(arn, shard_id, seq)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE ddb_transactions("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  token TEXT NOT NULL,"
    "  request_hash TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(account, region, token)) STRICT;"
    "CREATE TABLE meta("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL) STRICT;",

    /* 2 -> 3: CloudWatch Logs for function output. */
    "CREATE TABLE log_groups("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(account, region, name)) STRICT;"
    "CREATE TABLE log_streams("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  grp TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  first_ms INTEGER,"
    "  last_ms INTEGER,"
    "  last_ingest_ms INTEGER,"
    "  bytes INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(account, region, grp, name)) STRICT;"
    "CREATE TABLE log_events("
    "  id INTEGER PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  grp TEXT NOT NULL,"
    "  stream TEXT NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  ingest_ms INTEGER NOT NULL,"
    "  message TEXT NOT NULL) STRICT;"
    "CREATE INDEX log_events_group ON log_events(account, region, grp, ts, id);",

    /* 3 -> 4: asynchronous (Event) invocations, queued durably, and their
     * per-qualifier retry settings. */
    "CREATE TABLE async_events("
    "  id INTEGER PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  qualifier TEXT NOT NULL,"          /* as invoked; '' unqualified */
    "  request_id TEXT NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  received_ms INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_ms INTEGER NOT NULL) STRICT;"
    "CREATE INDEX async_events_due ON async_events(next_ms);"
    "CREATE TABLE event_invoke_configs("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  qualifier TEXT NOT NULL,"          /* '' for the unqualified function */
    "  config TEXT NOT NULL,"
    "  PRIMARY KEY(account, region, name, qualifier)) STRICT;",

    /* 4 -> 5: provisioned concurrency is real: its status comes from the
     * environments the provisioner started. */
    "ALTER TABLE pc_configs ADD COLUMN status TEXT NOT NULL DEFAULT 'IN_PROGRESS';"
    "ALTER TABLE pc_configs ADD COLUMN reason TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE pc_configs ADD COLUMN allocated INTEGER NOT NULL DEFAULT 0;",

    /* 5 -> 6: CloudWatch metrics (namespace AWS/Lambda), one statistic
     * set per (metric, dimension set, minute of the virtual clock).
     * DIMS is the canonical "Name=Value,Name=Value" text sorted by name
     * ('' for account-wide figures); see engine/metrics.h. */
    "CREATE TABLE metrics("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  metric TEXT NOT NULL,"
    "  dims TEXT NOT NULL,"
    "  minute_ms INTEGER NOT NULL,"      /* start of the minute, epoch ms */
    "  unit TEXT NOT NULL,"
    "  sum REAL NOT NULL,"
    "  count REAL NOT NULL,"             /* SampleCount */
    "  min REAL NOT NULL,"
    "  max REAL NOT NULL,"
    "  PRIMARY KEY(account, region, metric, dims, minute_ms)) STRICT, WITHOUT ROWID;"
    "CREATE INDEX metrics_minute ON metrics(minute_ms);",

    /* 6 -> 7: event source mappings (storage/store_esm.h). */
    "CREATE TABLE esm_mappings("
    "  uuid TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  function_name TEXT NOT NULL,"
    "  qualifier TEXT NOT NULL,"
    "  function_arn TEXT NOT NULL,"
    "  source_arn TEXT NOT NULL,"
    "  config TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  state_reason TEXT NOT NULL,"
    "  last_result TEXT NOT NULL,"
    "  enabled INTEGER NOT NULL,"
    "  last_modified_ms INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  generation INTEGER NOT NULL) STRICT;"
    "CREATE INDEX esm_mappings_scope ON esm_mappings(account, region, uuid);"
    "CREATE TABLE esm_positions("
    "  uuid TEXT NOT NULL,"
    "  shard_id TEXT NOT NULL,"
    "  stream_arn TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"             /* last checkpointed; -1 none */
    "  started INTEGER NOT NULL,"
    "  done INTEGER NOT NULL,"
    "  batches INTEGER NOT NULL,"
    "  records INTEGER NOT NULL,"
    "  retries INTEGER NOT NULL,"
    "  throttles INTEGER NOT NULL,"
    "  last_result TEXT NOT NULL,"
    "  PRIMARY KEY(uuid, shard_id)) STRICT, WITHOUT ROWID;"
    /* Kept after a mapping is deleted: the audit counts what it delivered. */
    "CREATE TABLE esm_deliveries("
    "  stream_arn TEXT NOT NULL,"
    "  shard_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  uuid TEXT NOT NULL,"
    "  times INTEGER NOT NULL,"
    "  PRIMARY KEY(stream_arn, shard_id, seq, uuid)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE esm_failures("
    "  uuid TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  record TEXT NOT NULL,"
    "  PRIMARY KEY(uuid, created_ms, n)) STRICT, WITHOUT ROWID;",

    /* 7 -> 8: every stream record looks up its partition's open shard;
     * without this the lookup scanned and sorted the stream's shards. */
    "CREATE INDEX ddb_shards_open ON ddb_shards(arn, partition, created_ms) WHERE end_seq IS NULL;",

    /* 8 -> 9: stream records in a rowid table keyed by position (shard
     * number << 40 | seq; see storage/store_ddb.c). Without rowid, every
     * interior page of ddb_records held whole rows (a record is ~600
     * bytes, so ~6 per page and 14% of the table interior), and each
     * append rewrote 3.5 pages per commit; an append at the end of a rowid
     * table rewrites about one. Shards get the number, never reused
     * (AUTOINCREMENT). A record whose shard row is gone was unreadable
     * already and is not carried over. */
    "CREATE TABLE ddb_shards_v9("
    "  num INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  arn TEXT NOT NULL,"
    "  shard_id TEXT NOT NULL,"
    "  parent_id TEXT,"
    "  partition INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  start_seq INTEGER NOT NULL,"
    "  end_seq INTEGER,"
    "  trim_seq INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(arn, shard_id)) STRICT;"
    "INSERT INTO ddb_shards_v9(arn, shard_id, parent_id, partition, created_ms, start_seq, end_seq, trim_seq)"
    "  SELECT arn, shard_id, parent_id, partition, created_ms, start_seq, end_seq, trim_seq"
    "  FROM ddb_shards ORDER BY arn, start_seq, shard_id;"
    "CREATE TABLE ddb_records_v9("
    "  pos INTEGER PRIMARY KEY,"
    "  created_ms INTEGER NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  record TEXT NOT NULL) STRICT;"
    "INSERT INTO ddb_records_v9(pos, created_ms, size, record)"
    "  SELECT (s.num << 40) | r.seq, r.created_ms, r.size, r.record"
    "  FROM ddb_records r JOIN ddb_shards_v9 s ON s.arn=r.arn AND s.shard_id=r.shard_id;"
    "DROP TABLE ddb_records;"
    "DROP TABLE ddb_shards;"
    "ALTER TABLE ddb_shards_v9 RENAME TO ddb_shards;"
    "ALTER TABLE ddb_records_v9 RENAME TO ddb_records;"
    "CREATE INDEX ddb_shards_open ON ddb_shards(arn, partition, created_ms) WHERE end_seq IS NULL;",

    /* 9 -> 10: tags on event source mappings and on log groups (JSON
     * objects, as the Lambda and Logs APIs return them), and a log
     * group's retention in days (NULL: events never expire). */
    "ALTER TABLE esm_mappings ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';"
    "ALTER TABLE log_groups ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';"
    "ALTER TABLE log_groups ADD COLUMN retention_days INTEGER;",

    /* 10 -> 11: a table's point-in-time recovery setting
     * (UpdateContinuousBackups), as JSON {"EnabledAt": ms,
     * "RecoveryPeriodInDays": n}; NULL while disabled. */
    "ALTER TABLE ddb_tables ADD COLUMN pitr TEXT;",

    /* 11 -> 12: STS temporary credentials (AssumeRole, GetSessionToken),
     * so a request signed with one acts in the account it was issued
     * for: the access key id, the account, the principal's ARN and user
     * id (GetCallerIdentity), and the secret, token and expiry returned. */
    "CREATE TABLE sts_keys("
    "  access_key_id TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  arn TEXT NOT NULL,"
    "  user_id TEXT NOT NULL,"
    "  secret TEXT NOT NULL,"
    "  session_token TEXT NOT NULL,"
    "  expires_ms INTEGER NOT NULL) STRICT;",

    /* 12 -> 13: where a record went (docs/aws-reference.md B10, D4). A
     * stream mapping's failure record keeps its OnFailure destination
     * (NULL: none configured) and why delivery failed (NULL: delivered);
     * each delivery of an asynchronous invocation's end (OnSuccess,
     * OnFailure, the dead-letter queue) is a row of async_deliveries,
     * so a lost record is never silent. */
    "ALTER TABLE esm_failures ADD COLUMN destination TEXT;"
    "ALTER TABLE esm_failures ADD COLUMN delivery_error TEXT;"
    "CREATE TABLE async_deliveries("
    "  id INTEGER PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  function TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  request_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  condition TEXT NOT NULL,"
    "  destination TEXT NOT NULL,"
    "  error TEXT) STRICT;"
    "CREATE INDEX async_deliveries_fn ON async_deliveries(account, region, function, id);",
    /* 13 -> 14: SQS (issue 15): queues (settable attributes as the JSON object
     * GetQueueAttributes returns, tags), messages in send order (seq is
     * the FIFO order and sequence number; visible_ms the clock time from
     * which a message may be received again), and FIFO deduplication ids
     * kept for their 5-minute window. */
    "CREATE TABLE sqs_queues("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  attrs TEXT NOT NULL,"
    "  tags TEXT NOT NULL DEFAULT '{}',"
    "  created_ms INTEGER NOT NULL,"
    "  modified_ms INTEGER NOT NULL,"
    "  purged_ms INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(account, region, name)) STRICT;"
    "CREATE TABLE sqs_messages("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  queue TEXT NOT NULL,"
    "  message_id TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  md5_body TEXT NOT NULL,"
    "  attrs TEXT,"
    "  md5_attrs TEXT,"
    "  sys_attrs TEXT,"
    "  group_id TEXT,"
    "  dedup_id TEXT,"
    "  receipt TEXT,"
    "  sent_ms INTEGER NOT NULL,"
    "  visible_ms INTEGER NOT NULL,"
    "  first_receive_ms INTEGER NOT NULL DEFAULT 0,"
    "  receive_count INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE INDEX sqs_messages_queue ON sqs_messages(account, region, queue, visible_ms);"
    "CREATE INDEX sqs_messages_id ON sqs_messages(account, region, queue, message_id);"
    "CREATE TABLE sqs_dedup("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  queue TEXT NOT NULL,"
    "  dedup_id TEXT NOT NULL,"
    "  message_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(account, region, queue, dedup_id)) STRICT;",
    /* 14 -> 15: IAM (global: per account, no region). Roles and managed policies
     * are kept as the JSON documents IAM returns (CreateDate in epoch
     * ms); KEY is the lower-cased name, since IAM names are unique
     * whatever their case. Inline role policies, the versions of
     * customer managed policies (VERSION the n of "vN") and the managed
     * policies attached to roles (AWS managed ones too, by ARN) are rows
     * of their own. */
    "CREATE TABLE iam_roles("
    "  account TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  PRIMARY KEY(account, key)) STRICT;"
    "CREATE TABLE iam_role_policies("
    "  account TEXT NOT NULL,"
    "  role_key TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  document TEXT NOT NULL,"
    "  PRIMARY KEY(account, role_key, name)) STRICT;"
    "CREATE TABLE iam_policies("
    "  account TEXT NOT NULL,"
    "  arn TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  policy TEXT NOT NULL,"
    "  PRIMARY KEY(account, arn),"
    "  UNIQUE(account, key)) STRICT;"
    "CREATE TABLE iam_policy_versions("
    "  account TEXT NOT NULL,"
    "  arn TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY(account, arn, version)) STRICT;"
    "CREATE TABLE iam_attachments("
    "  account TEXT NOT NULL,"
    "  role_key TEXT NOT NULL,"
    "  arn TEXT NOT NULL,"
    "  PRIMARY KEY(account, role_key, arn)) STRICT;"
    "CREATE INDEX iam_attachments_arn ON iam_attachments(account, arn);",
    /* 15 -> 16: S3 (storage/store_s3.h). Bucket names are global to the
     * instance, as S3's namespace is; account is the owner. tags, policy
     * and versioning are the documents as sent (NULL: unset). An object
     * names its bytes by the SHA-256 of its blob (storage/blob.h); meta is
     * the JSON of its headers (content type, user metadata, checksum).
     * Keys compare in byte order (BINARY), S3's listing order. */
    "CREATE TABLE s3_buckets("
    "  name TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  tags TEXT, policy TEXT, versioning TEXT) STRICT;"
    "CREATE INDEX s3_buckets_account ON s3_buckets(account, name);"
    "CREATE TABLE s3_objects("
    "  bucket TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  blob TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  etag TEXT NOT NULL,"
    "  modified_ms INTEGER NOT NULL,"
    "  meta TEXT NOT NULL,"
    "  PRIMARY KEY(bucket, key)) STRICT, WITHOUT ROWID;"
    "CREATE TABLE s3_uploads("
    "  upload_id TEXT PRIMARY KEY,"
    "  bucket TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  meta TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL) STRICT;"
    "CREATE INDEX s3_uploads_bucket ON s3_uploads(bucket, key);"
    "CREATE TABLE s3_parts("
    "  upload_id TEXT NOT NULL,"
    "  number INTEGER NOT NULL,"
    "  blob TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  etag TEXT NOT NULL,"
    "  checksum TEXT NOT NULL,"
    "  modified_ms INTEGER NOT NULL,"
    "  PRIMARY KEY(upload_id, number)) STRICT;",
    /* 16 -> 17: SSM Parameter Store (api/ssm.c): one row per parameter
     * (its current version and its tags, a JSON object), and one per
     * version (what each PutParameter wrote, with the version's labels
     * as a JSON array). Values are kept in clear, SecureString ones too. */
    "CREATE TABLE ssm_parameters("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  tags TEXT NOT NULL DEFAULT '{}',"
    "  PRIMARY KEY(account, region, name)) STRICT;"
    "CREATE TABLE ssm_versions("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  description TEXT,"
    "  allowed_pattern TEXT,"
    "  key_id TEXT,"
    "  tier TEXT NOT NULL,"
    "  data_type TEXT NOT NULL,"
    "  modified_ms INTEGER NOT NULL,"
    "  modified_user TEXT NOT NULL,"
    "  labels TEXT NOT NULL DEFAULT '[]',"
    "  PRIMARY KEY(account, region, name, version)) STRICT;",

    /* 17 -> 18: S3 bucket subresources (api/s3_config.c): one JSON object per
     * bucket, subresource name -> its document as sent ("" once deleted
     * where S3 then answers "not found" rather than its default). */
    "ALTER TABLE s3_buckets ADD COLUMN config TEXT NOT NULL DEFAULT '{}';",

    /* 18 -> 19: event-source invoke attempts (engine/esm.c, issue 17). A
     * poller writes the records of a batch here before it invokes and
     * removes the row when the outcome is written; a row found at start
     * is a batch whose outcome a crash lost, so each of its records
     * counts once more as (possibly) delivered, in
     * esm_deliveries.interrupted, and the audit sees the redelivery. */
    "CREATE TABLE esm_attempts("
    "  uuid TEXT NOT NULL,"
    "  shard_id TEXT NOT NULL,"
    "  stream_arn TEXT NOT NULL,"
    "  seqs TEXT NOT NULL,"               /* "5-9,12,14-20" (store_esm_seqs_text) */
    "  PRIMARY KEY(uuid, shard_id)) STRICT, WITHOUT ROWID;"
    "ALTER TABLE esm_deliveries ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;",

    /* 19 -> 20: CloudFormation (storage/store_cfn.h, api/cloudformation.c): stacks
     * (deleted ones kept with deleted_ms set, so they can be described by
     * ARN; doc is a JSON object with the template as submitted, the
     * parameters, tags, outputs and settings), their resources (props and
     * attrs as JSON; prev the state an operation in progress replaced,
     * for its rollback and cleanup), events (seq orders them), change
     * sets, exports, and the deployer's durable queue of operations. */
    "CREATE TABLE cfn_stacks("
    "  id TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  reason TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL DEFAULT 0,"
    "  deleted_ms INTEGER NOT NULL DEFAULT 0,"
    "  doc TEXT NOT NULL) STRICT;"
    "CREATE UNIQUE INDEX cfn_stacks_live ON cfn_stacks(account, region, name) WHERE deleted_ms=0;"
    "CREATE INDEX cfn_stacks_scope ON cfn_stacks(account, region, created_ms);"
    "CREATE TABLE cfn_resources("
    "  stack_id TEXT NOT NULL,"
    "  logical_id TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  physical_id TEXT,"
    "  status TEXT NOT NULL,"
    "  reason TEXT,"
    "  props TEXT,"
    "  attrs TEXT,"
    "  updated_ms INTEGER NOT NULL,"
    "  prev TEXT,"
    "  seq INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(stack_id, logical_id)) STRICT;"
    "CREATE TABLE cfn_events("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  stack_id TEXT NOT NULL,"
    "  event_id TEXT NOT NULL,"
    "  logical_id TEXT NOT NULL,"
    "  physical_id TEXT,"
    "  type TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  reason TEXT,"
    "  props TEXT,"
    "  ts_ms INTEGER NOT NULL,"
    "  token TEXT) STRICT;"
    "CREATE INDEX cfn_events_stack ON cfn_events(stack_id, seq);"
    "CREATE TABLE cfn_change_sets("
    "  id TEXT PRIMARY KEY,"
    "  stack_id TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  reason TEXT,"
    "  exec_status TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  doc TEXT NOT NULL) STRICT;"
    "CREATE INDEX cfn_change_sets_stack ON cfn_change_sets(stack_id, name);"
    "CREATE TABLE cfn_exports("
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  stack_id TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY(account, region, name)) STRICT;"
    "CREATE TABLE cfn_ops("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  stack_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  arg TEXT,"
    "  started INTEGER NOT NULL DEFAULT 0) STRICT;",
};

#define STORE_SCHEMA_VERSION \
    ((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

#endif
