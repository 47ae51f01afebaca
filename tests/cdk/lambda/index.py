import json
import os


def handler(event, context):
    records = event.get("Records", [])
    # One JSON line per batch: the version that ran it ($LATEST for the
    # function, the alias's version for the alias), the ARN it was invoked
    # by, and the stream sequence numbers of its records. With it, the
    # function's log says which mapping delivered which record.
    print(json.dumps({
        "version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
        "invoked": context.invoked_function_arn,
        "seqs": [r.get("dynamodb", {}).get("SequenceNumber") for r in records],
    }))
    return {"count": len(records)}
