"""sluice Python runtime bootstrap: runs a user's handler against the Lambda Runtime API.

sluice starts `python3 /path/to/bootstrap.py` in the unpacked code directory with
AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT and the other Lambda variables set.
This file imports the handler module once, then loops on
GET /2018-06-01/runtime/invocation/next and posts each result or error back.
Everything a handler can observe (sys.path, the context object, event decoding,
result marshalling, error documents, log format, stdout behaviour) follows the AWS
Python runtime interface client (awslambdaric).

Standard library only; must run on Python 3.9 to 3.14. The file is embedded into the
sluice binary, so it has to stay a single self-contained module.
"""

import _socket
import json
import os
import sys
import time

# `logging` is not imported here: importing it (and the traceback module it pulls in)
# is most of a cold start. The Lambda log handler is installed the moment anyone
# imports logging (see _LoggingSetupFinder), which is before user code can use it.

# --- Constants -------------------------------------------------------------------

API_PREFIX = "/2018-06-01/runtime"
ERROR_CONTENT_TYPE = "application/vnd.aws.lambda.error+json"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
USER_AGENT = "aws-lambda-python/%d.%d.%d-sluice" % sys.version_info[:3]

# awslambdaric joins the lines of one error record with "\r" on stdout so that the
# platform keeps them in one log event, and indents trace lines with NO-BREAK SPACE.
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"

# Cap on one status or header line read from the Runtime API, so a broken peer
# cannot make the bootstrap buffer without bound.
MAX_HTTP_LINE = 65536
# Bytes asked of recv() at a time: events reach 6 MB, so read in large steps.
RECV_SIZE = 262144

MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

LAMBDA_UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this "
    "error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)

_THIS_FILE = globals().get("__file__") or ""


class FaultException(Exception):
    """A runtime-detected failure with an AWS error type (Runtime.*)."""

    def __init__(self, exception_type, msg, trace=None):
        Exception.__init__(self, msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


class RuntimeAPIError(Exception):
    """The Runtime API failed or answered with a non-2xx status: the runtime must exit."""


# --- JSON marshalling ------------------------------------------------------------
# awslambdaric encodes with simplejson (use_decimal=False plus a Decimal hook). The
# observable differences from the stdlib encoder are reproduced here: Decimal values
# are written verbatim (str(d); NaN as NaN), bytes are decoded as UTF-8, objects with
# a callable _asdict() (namedtuples) become objects, and U+2028/U+2029 are escaped
# when ensure_ascii is off. Strings go through the C-accelerated stdlib escapers.

_encode_str_ascii = json.encoder.encode_basestring_ascii
_encode_str_utf8 = json.encoder.encode_basestring
_INF = float("inf")


def _floatstr(o):
    if o != o:
        return "NaN"
    if o == _INF:
        return "Infinity"
    if o == -_INF:
        return "-Infinity"
    return float.__repr__(o)


def _is_decimal(o):
    # decimal is imported lazily: if nobody imported it, o cannot be a Decimal.
    mod = sys.modules.get("decimal")
    return mod is not None and isinstance(o, mod.Decimal)


class Marshaller(object):
    """Encodes handler results and error documents the way awslambdaric does."""

    def __init__(self, ensure_ascii=True):
        self.ensure_ascii = ensure_ascii

    def encode(self, root):
        ensure_ascii = self.ensure_ascii
        if ensure_ascii:
            enc_str = _encode_str_ascii
        else:

            def enc_str(s):
                out = _encode_str_utf8(s)
                if "\u2028" in out or "\u2029" in out:
                    out = out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
                return out

        out = []
        app = out.append
        markers = {}

        def key_str(key):
            if isinstance(key, str):
                return key
            if isinstance(key, bytes):
                return str(key, "utf-8")
            if isinstance(key, float):
                return _floatstr(key)
            if key is True:
                return "true"
            if key is False:
                return "false"
            if key is None:
                return "null"
            if isinstance(key, int):
                return int.__repr__(key)
            raise TypeError(
                "keys must be str, int, float, bool or None, not %s" % key.__class__.__name__
            )

        def enc_list(seq):
            if not seq:
                app("[]")
                return
            mid = id(seq)
            if mid in markers:
                raise ValueError("Circular reference detected")
            markers[mid] = seq
            app("[")
            first = True
            for item in seq:
                if first:
                    first = False
                else:
                    app(", ")
                enc(item)
            app("]")
            del markers[mid]

        def enc_dict(dct):
            if not dct:
                app("{}")
                return
            mid = id(dct)
            if mid in markers:
                raise ValueError("Circular reference detected")
            markers[mid] = dct
            app("{")
            first = True
            for key, value in dct.items():
                if first:
                    first = False
                else:
                    app(", ")
                app(enc_str(key_str(key)))
                app(": ")
                enc(value)
            app("}")
            del markers[mid]

        def enc(o):
            t = type(o)
            if t is str:
                app(enc_str(o))
            elif o is None:
                app("null")
            elif o is True:
                app("true")
            elif o is False:
                app("false")
            elif t is int:
                app(int.__repr__(o))
            elif t is float:
                app(_floatstr(o))
            elif t is dict:
                enc_dict(o)
            elif t is list:
                enc_list(o)
            else:
                enc_other(o)

        def enc_other(o):
            if isinstance(o, str):
                app(enc_str(str.__str__(o)))
            elif isinstance(o, bytes):
                app(enc_str(str(o, "utf-8")))
            elif isinstance(o, int):
                app(int.__repr__(o))
            elif isinstance(o, float):
                app(_floatstr(o))
            elif isinstance(o, list):
                enc_list(o)
            else:
                asdict = getattr(o, "_asdict", None)
                if asdict is not None and callable(asdict):
                    dct = asdict()
                    if not isinstance(dct, dict):
                        raise TypeError(
                            "_asdict() must return a dict, not %s" % (type(dct).__name__,)
                        )
                    enc_dict(dct)
                elif isinstance(o, tuple):
                    enc_list(o)
                elif isinstance(o, dict):
                    enc_dict(o)
                elif _is_decimal(o):
                    if o.is_nan():
                        app("NaN")
                    else:
                        app(str(o))
                else:
                    raise TypeError(
                        "Object of type %s is not JSON serializable" % o.__class__.__name__
                    )

        enc(root)
        return "".join(out)

    def marshal_response(self, response):
        """Returns (body bytes, content type) or raises FaultException(MarshalError)."""
        if isinstance(response, bytes):
            return response, "application/unknown"
        try:
            return self.encode(response).encode("utf-8"), "application/json"
        except Exception as e:
            raise FaultException(MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None)

    def unmarshal_request(self, body, content_type):
        media = (content_type or "application/json").split(";", 1)[0].strip().lower()
        if media != "application/json":
            return body
        try:
            return json.loads(body)
        except Exception as e:
            raise FaultException(UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None)


# --- Runtime API client ----------------------------------------------------------
# A small HTTP/1.1 client over one keep-alive socket, on _socket directly: http.client
# and even socket.py cost more import time than the cold-start budget allows, and the
# Runtime API needs very little.


def _quote_path_segment(s):
    safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    if all(c in safe for c in s):
        return s
    return "".join(c if c in safe else "".join("%%%02X" % b for b in c.encode("utf-8")) for c in s)


def _decode_header_value(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class _StaleConnection(Exception):
    pass


class RuntimeClient(object):
    def __init__(self, address):
        self.address = address
        host, sep, port = address.rpartition(":")
        if not sep or not port.isdigit():
            raise RuntimeAPIError("Bad AWS_LAMBDA_RUNTIME_API address '%s'" % address)
        self.host = host.strip("[]") or "127.0.0.1"
        self.port = int(port)
        self.sock = None
        self.buf = bytearray()
        self.pos = 0

    def _open(self):
        # Host as bytes: a str host makes getaddrinfo import the idna codec.
        infos = _socket.getaddrinfo(self.host.encode("ascii"), self.port, 0, _socket.SOCK_STREAM)
        last_error = None
        for family, socktype, proto, _, sockaddr in infos:
            sock = _socket.socket(family, socktype, proto)
            try:
                sock.connect(sockaddr)
            except OSError as e:
                sock.close()
                last_error = e
                continue
            try:
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            except OSError:
                pass
            self.sock = sock
            self.buf = bytearray()
            self.pos = 0
            return
        raise last_error or OSError("cannot connect to %s" % self.address)

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.buf = bytearray()
        self.pos = 0

    # Received bytes are in self.buf from self.pos on. Lines and bodies are sliced
    # off by moving self.pos; the consumed prefix is dropped only when more data is
    # needed, so a large body that arrived with the headers is not moved per line.

    def _fill(self):
        if self.pos:
            del self.buf[: self.pos]
            self.pos = 0
        chunk = self.sock.recv(RECV_SIZE)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def _take(self, n):
        mv = memoryview(self.buf)
        try:
            data = bytes(mv[self.pos : self.pos + n])
        finally:
            mv.release()
        self.pos += n
        return data

    def _readline(self):
        while True:
            i = self.buf.find(b"\n", self.pos)
            if i >= 0:
                return self._take(i + 1 - self.pos)
            if len(self.buf) - self.pos > MAX_HTTP_LINE:
                raise RuntimeAPIError("HTTP line too long from the Runtime API")
            if not self._fill():
                return self._take(len(self.buf) - self.pos)

    def _read_exact(self, n):
        while len(self.buf) - self.pos < n:
            if not self._fill():
                raise RuntimeAPIError("Connection to the Runtime API closed mid-response")
        return self._take(n)

    def _read_to_eof(self):
        while self._fill():
            pass
        return self._take(len(self.buf) - self.pos)

    def _read_response(self, method):
        while True:
            line = self._readline()
            if not line:
                raise _StaleConnection()
            parts = line.split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
                raise RuntimeAPIError("Malformed status line from the Runtime API: %r" % line[:100])
            version, status = parts[0], int(parts[1])
            headers = {}
            while True:
                h = self._readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                name, _, value = h.partition(b":")
                headers[name.strip().lower().decode("latin-1")] = _decode_header_value(value.strip())
            if 100 <= status < 200:
                continue
            break

        close_after = headers.get("connection", "").lower() == "close" or (
            version == b"HTTP/1.0" and headers.get("connection", "").lower() != "keep-alive"
        )
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size_line = self._readline()
                if not size_line:
                    raise RuntimeAPIError("Connection to the Runtime API closed mid-response")
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self._readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self._read_exact(size))
                self._read_exact(2)
            body = b"".join(chunks)
        elif "content-length" in headers:
            body = self._read_exact(int(headers["content-length"]))
        else:
            body = self._read_to_eof()
            close_after = True
        if close_after:
            self.close()
        return status, headers, body

    def request(self, method, path, body=None, headers=()):
        head = [
            "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n" % (method, path, self.address, USER_AGENT)
        ]
        for name, value in headers:
            head.append("%s: %s\r\n" % (name, value.replace("\r", " ").replace("\n", " ")))
        if body is not None:
            head.append("Content-Length: %d\r\n" % len(body))
        head.append("\r\n")
        data = "".join(head).encode("utf-8")
        if body:
            data += body
        attempt = 0
        while True:
            reused = self.sock is not None
            try:
                if not reused:
                    self._open()
                self.sock.sendall(data)
                return self._read_response(method)
            except (_StaleConnection, ConnectionError) as e:
                # A keep-alive connection the server already closed: retry once on a
                # fresh one. Anything else is fatal for the runtime.
                self.close()
                if reused and attempt == 0:
                    attempt += 1
                    continue
                if isinstance(e, _StaleConnection):
                    raise RuntimeAPIError("Runtime API closed the connection without a response")
                raise RuntimeAPIError(str(e) or e.__class__.__name__)
            except RuntimeAPIError:
                self.close()
                raise
            except (OSError, ValueError) as e:
                self.close()
                raise RuntimeAPIError(str(e) or e.__class__.__name__)

    def _expect_2xx(self, what, status, body):
        if not 200 <= status <= 299:
            raise RuntimeAPIError(
                "%s: HTTP %d from the Runtime API: %s" % (what, status, body[:200].decode("utf-8", "replace"))
            )

    def wait_next_invocation(self):
        status, headers, body = self.request("GET", API_PREFIX + "/invocation/next")
        self._expect_2xx("Failed to get next invocation", status, body)
        if not headers.get("lambda-runtime-aws-request-id"):
            raise RuntimeAPIError("Failed to get next invocation: no Lambda-Runtime-Aws-Request-Id header")
        return headers, body

    def post_invocation_result(self, invoke_id, payload, content_type):
        path = API_PREFIX + "/invocation/" + _quote_path_segment(invoke_id) + "/response"
        status, _, body = self.request("POST", path, payload, [("Content-Type", content_type)])
        self._expect_2xx("Failed to post invocation response", status, body)

    def post_invocation_error(self, invoke_id, error_json, error_type):
        path = API_PREFIX + "/invocation/" + _quote_path_segment(invoke_id) + "/error"
        hdrs = [("Content-Type", ERROR_CONTENT_TYPE), (ERROR_TYPE_HEADER, error_type or "Unhandled")]
        status, _, body = self.request("POST", path, error_json, hdrs)
        self._expect_2xx("Failed to post invocation error", status, body)

    def post_init_error(self, error_json, error_type):
        hdrs = [("Content-Type", ERROR_CONTENT_TYPE), (ERROR_TYPE_HEADER, error_type or "Unhandled")]
        status, _, body = self.request("POST", API_PREFIX + "/init/error", error_json, hdrs)
        self._expect_2xx("Failed to post init error", status, body)


# --- Context object (mirrors awslambdaric.lambda_context) ------------------------

W3C_ALLOWED_FIELDS = ("traceparent", "tracestate", "baggage")


class LambdaContext(object):
    def __init__(
        self,
        invoke_id,
        client_context,
        cognito_identity,
        epoch_deadline_time_in_ms,
        invoked_function_arn=None,
        tenant_id=None,
    ):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, exactly as in awslambdaric (it reads the variable unconverted).
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._w3c_fields = self._extract_and_strip_w3c(client_context)

        self.client_context = make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = make_obj_from_dict(Client, self.client_context.client)

        self.identity = make_obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")

        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        epoch_now_in_ms = int(time.time() * 1000)
        delta_ms = self._epoch_deadline_time_in_ms - epoch_now_in_ms
        return delta_ms if delta_ms > 0 else 0

    def w3c(self):
        return dict(self._w3c_fields)

    @staticmethod
    def _extract_and_strip_w3c(client_context):
        if not isinstance(client_context, dict) or "w3c" not in client_context:
            return {}
        raw = client_context.pop("w3c")
        if not isinstance(raw, dict):
            return {}
        fields = {}
        for key in W3C_ALLOWED_FIELDS:
            value = raw.get(key)
            if isinstance(value, str):
                fields[key] = value
        return fields

    def log(self, msg):
        logging = sys.modules.get("logging")
        if logging is None:
            # Nobody imported logging, so its root handler (and sink) is not set up
            # yet; awslambdaric would find the sink on that handler.
            (_LOG_SINK or StandardLogSink()).log(str(msg))
            return
        for handler in logging.getLogger().handlers:
            if hasattr(handler, "log_sink"):
                handler.log_sink.log(str(msg))
                return
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "%s([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,"
            "client_context=%s,identity=%s,tenant_id=%s])"
            % (
                self.__class__.__name__,
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
                self.tenant_id,
            )
        )


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "%s([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.__class__.__name__,
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client(object):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __repr__(self):
        return (
            "%s([installation_id=%s,app_title=%s,app_version_name=%s,app_version_code=%s,"
            "app_package_name=%s])"
            % (
                self.__class__.__name__,
                self.installation_id,
                self.app_title,
                self.app_version_name,
                self.app_version_code,
                self.app_package_name,
            )
        )


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "%s([custom=%s,env=%s,client=%s])" % (
            self.__class__.__name__,
            self.custom,
            self.env,
            self.client,
        )


def make_obj_from_dict(_class, _dict):
    if _dict is None:
        return None
    obj = _class()
    for field in _class.__slots__:
        setattr(obj, field, _dict.get(field, None))
    return obj


# --- Logging ---------------------------------------------------------------------

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
_TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_LEVEL_NAMES = ("CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "NOTSET")
# Levels as numbers, so that this module does not need logging imported.
_NOTSET, _DEBUG, _INFO, _WARNING, _ERROR, _CRITICAL = 0, 10, 20, 30, 40, 50
_JSON_FRAME_TYPES = {
    _NOTSET: 0xA55A0002,
    _DEBUG: 0xA55A000A,
    _INFO: 0xA55A000E,
    _WARNING: 0xA55A0012,
    _ERROR: 0xA55A0016,
    _CRITICAL: 0xA55A001A,
}
_TEXT_FRAME_TYPES = {
    _NOTSET: 0xA55A0003,
    _DEBUG: 0xA55A000B,
    _INFO: 0xA55A000F,
    _WARNING: 0xA55A0013,
    _ERROR: 0xA55A0017,
    _CRITICAL: 0xA55A001B,
}
_RESERVED_FIELDS = frozenset(
    [
        "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
        "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
        "relativeCreated", "thread", "threadName", "processName", "process",
        "aws_request_id", "tenant_id", "_frame_type",
    ]
)

_GLOBAL_AWS_REQUEST_ID = None
_GLOBAL_TENANT_ID = None
_LOG_SINK = None  # set by main() before any user code runs
_LOGGING_CONFIGURED = False


def _log_format_is_json():
    value = os.environ.get("AWS_LAMBDA_LOG_FORMAT")
    return bool(value) and value.upper() == "JSON"


def _log_level_from_env():
    value = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    # Same mapping as awslambdaric: only an exact "TRACE" means DEBUG.
    return {None: "", "TRACE": "DEBUG"}.get(value, value).upper()


def _format_log_level(record):
    return min(50, max(0, record.levelno)) // 10 * 10


class Unbuffered(object):
    """Wraps sys.stdout/sys.stderr so that every write reaches the pipe at once."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        pass

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        n = self.stream.write(msg)
        self.stream.flush()
        return n

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class StandardLogSink(object):
    """Log records to stdout; the lines of one error record are joined with "\\r"."""

    def log(self, msg, frame_type=None):
        sys.stdout.write(msg)

    def log_error(self, message_lines):
        sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(message_lines) + "\n")

    def close(self):
        pass


class FramedTelemetryLogSink(object):
    """Log records as frames on the fd named by _LAMBDA_TELEMETRY_LOG_FD:
    type (4 bytes), length (4), timestamp in microseconds (8), message; big-endian."""

    def __init__(self, fd):
        self.file = os.fdopen(int(fd), "wb", 0)

    def log(self, msg, frame_type=None):
        encoded = msg.encode("utf-8")
        ts = int(time.time_ns() / 1000)
        ftype = frame_type if frame_type is not None else _TEXT_FRAME_TYPES[_NOTSET]
        self.file.write(
            ftype.to_bytes(4, "big") + len(encoded).to_bytes(4, "big") + ts.to_bytes(8, "big") + encoded
        )

    def log_error(self, message_lines):
        ftype = (_JSON_FRAME_TYPES if _log_format_is_json() else _TEXT_FRAME_TYPES)[_ERROR]
        self.log("\n".join(message_lines), frame_type=ftype)

    def close(self):
        try:
            self.file.close()
        except OSError:
            pass


def create_log_sink():
    fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
    if fd is not None:
        try:
            return FramedTelemetryLogSink(fd)
        except (OSError, ValueError):
            pass
    return StandardLogSink()


def _setup_logging(logging, log_sink):
    """Configures the root logger as awslambdaric does: one handler writing to the log
    sink, "[LEVEL]\ttimestamp\trequest id\tmessage" in UTC (or JSON records when
    AWS_LAMBDA_LOG_FORMAT=JSON), level from AWS_LAMBDA_LOG_LEVEL, else WARNING."""

    class LambdaLoggerHandler(logging.Handler):
        def __init__(self, log_sink):
            logging.Handler.__init__(self)
            self.log_sink = log_sink

        def emit(self, record):
            self.log_sink.log(self.format(record))

    class LambdaLoggerHandlerWithFrameType(logging.Handler):
        def __init__(self, log_sink):
            logging.Handler.__init__(self)
            self.log_sink = log_sink

        def emit(self, record):
            self.log_sink.log(
                self.format(record),
                frame_type=(
                    getattr(record, "_frame_type", None) or _TEXT_FRAME_TYPES.get(_format_log_level(record))
                ),
            )

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _GLOBAL_AWS_REQUEST_ID or ""
            record.tenant_id = _GLOBAL_TENANT_ID
            return True

    class JsonFormatter(logging.Formatter):
        def __init__(self):
            logging.Formatter.__init__(self, datefmt=_DATETIME_FORMAT)
            self._encode = json.JSONEncoder(ensure_ascii=False).encode

        def formatTime(self, record, datefmt=None):
            t = time.gmtime(record.created)
            return "%s.%03dZ" % (time.strftime(_DATETIME_FORMAT, t), int(record.created * 1000) % 1000)

        def format(self, record):
            record.levelno = _format_log_level(record)
            record.levelname = logging.getLevelName(record.levelno)
            record._frame_type = _JSON_FRAME_TYPES.get(record.levelno, _JSON_FRAME_TYPES[_NOTSET])
            exc_info = record.exc_info
            stack = None
            if exc_info:
                import traceback

                stack = traceback.format_tb(exc_info[2])
            result = {
                "timestamp": self.formatTime(record, self.datefmt),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "stackTrace": stack,
                "errorType": exc_info[0].__name__ if exc_info else None,
                "errorMessage": str(exc_info[1]) if exc_info else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc_info else None,
            }
            if getattr(record, "tenant_id", None) is not None:
                result["tenantId"] = record.tenant_id
            for key, value in record.__dict__.items():
                if key not in _RESERVED_FIELDS and key not in result:
                    result[key] = value
            result = dict((k, v) for k, v in result.items() if v is not None)
            return self._encode(result) + "\n"

    logging.Formatter.converter = time.gmtime
    logger = logging.getLogger()
    is_json = _log_format_is_json()
    log_level = _log_level_from_env()
    if is_json or log_level:
        handler = LambdaLoggerHandlerWithFrameType(log_sink)
    else:
        handler = LambdaLoggerHandler(log_sink)
    if is_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT, _DATETIME_FORMAT))
    if log_level in _LEVEL_NAMES:
        logger.setLevel(log_level)
    handler.addFilter(LambdaLoggerFilter())
    logger.addHandler(handler)
    global _LOGGING_CONFIGURED
    _LOGGING_CONFIGURED = True


class _LoggingSetupFinder(object):
    """One-shot meta path finder: when `logging` is first imported, let the normal
    finders load it and run _setup_logging right after the module body, before the
    importer gets the module back. The module keeps its own spec and loader."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "logging":
            return None
        _remove_logging_finder()
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        loader = spec.loader if spec is not None else None
        if loader is None or isinstance(loader, type) or not hasattr(loader, "exec_module"):
            return spec  # cannot hook this loader: main() configures logging itself
        original = loader.exec_module

        def exec_module(module):
            try:
                original(module)
            finally:
                try:
                    del loader.exec_module
                except AttributeError:
                    pass
            _setup_logging(module, _LOG_SINK)

        loader.exec_module = exec_module
        return spec


_LOGGING_FINDER = _LoggingSetupFinder()


def _remove_logging_finder():
    try:
        sys.meta_path.remove(_LOGGING_FINDER)
    except ValueError:
        pass


def _ensure_logging():
    """Returns the logging module, configured; imports it if nobody has yet."""
    import logging  # runs _setup_logging through the finder on a first import

    if not _LOGGING_CONFIGURED:
        _setup_logging(logging, _LOG_SINK)
    return logging


def _install_logging():
    """Configures logging now if it is already imported, else on its first import."""
    if "logging" in sys.modules:
        _ensure_logging()
    else:
        sys.meta_path.insert(0, _LOGGING_FINDER)


def _replace_line_indentation(line, indent_char, new_indent_char):
    n = len(line) - len(line.lstrip(indent_char))
    return new_indent_char * n + line[n:]


def log_error(error_result, log_sink, marshaller):
    if _log_format_is_json():
        record = {
            "timestamp": time.strftime(_DATETIME_FORMAT, time.gmtime()),
            "level": "ERROR",
        }
        record.update(error_result)
        log_sink.log_error([marshaller.encode(record)])
        return

    description = "[ERROR]"
    error_type = error_result.get("errorType")
    if error_type:
        description += " " + error_type
    error_message = error_result.get("errorMessage")
    if error_message:
        if error_type:
            description += ":"
        description += " " + error_message
    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
            else:
                for trace_line in element.splitlines():
                    lines.append(_replace_line_indentation(trace_line, " ", ERROR_LOG_IDENT))
    log_sink.log_error(lines)


# --- Errors ----------------------------------------------------------------------


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _is_bootstrap_frame(filename):
    return "/bootstrap.py" in filename or (bool(_THIS_FILE) and filename == _THIS_FILE)


def _user_frames(tb):
    """The traceback as (file, line, name, code) tuples, minus the leading frames of
    this bootstrap (kept whole if every frame is ours, as awslambdaric does)."""
    import traceback

    tuples = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i in range(len(tuples)):
        if not _is_bootstrap_frame(tuples[i][0]):
            return tuples[i:]
    return tuples


def _safe_str(value):
    try:
        return str(value)
    except Exception:
        return "<exception str() failed>"


def build_fault_result(exc_info, invoke_id=None):
    import traceback

    etype, value, tb = exc_info
    return make_error(
        _safe_str(value), etype.__name__, traceback.format_list(_user_frames(tb)), invoke_id
    )


# --- Handler loading -------------------------------------------------------------


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))

    import importlib

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e))
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )

    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname), None
        )


# --- Invocation ------------------------------------------------------------------


def _parse_json_header(header, name):
    try:
        return json.loads(header)
    except Exception as e:
        raise FaultException(
            LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e)), None
        )


def _deadline_ms(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def update_xray_env_variable(xray_trace_id):
    if xray_trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = xray_trace_id
    elif "_X_AMZN_TRACE_ID" in os.environ:
        del os.environ["_X_AMZN_TRACE_ID"]


def handle_event_request(client, marshaller, request_handler, invoke_id, headers, body, log_sink):
    error_result = None
    try:
        client_context_json = headers.get("lambda-runtime-client-context")
        cognito_identity_json = headers.get("lambda-runtime-cognito-identity")
        client_context = None
        if client_context_json:
            client_context = _parse_json_header(client_context_json, "Client Context")
        cognito_identity = None
        if cognito_identity_json:
            cognito_identity = _parse_json_header(cognito_identity_json, "Cognito Identity")
        lambda_context = LambdaContext(
            invoke_id,
            client_context,
            cognito_identity,
            _deadline_ms(headers.get("lambda-runtime-deadline-ms")),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id") or None,
        )
        event = marshaller.unmarshal_request(body, headers.get("content-type"))
        response = request_handler(event, lambda_context)
        result, result_content_type = marshaller.marshal_response(response)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        error_result = build_fault_result(sys.exc_info(), invoke_id)

    if error_result is not None:
        log_error(error_result, log_sink, marshaller)
        client.post_invocation_error(
            invoke_id, marshaller.encode(error_result).encode("utf-8"), error_result["errorType"]
        )
    else:
        client.post_invocation_result(invoke_id, result, result_content_type)


# --- Start-up --------------------------------------------------------------------


def _set_sys_path(task_root):
    here = os.path.dirname(os.path.abspath(_THIS_FILE)) if _THIS_FILE else None
    # Drop this file's directory (python puts it first) and "" (added by `python -c`):
    # in AWS neither the runtime's directory nor the cwd entry is there.
    rest = [p for p in sys.path if p and not (here and os.path.abspath(p) == here)]
    front = [task_root]
    site_packages = "/opt/python/lib/python%d.%d/site-packages" % sys.version_info[:2]
    for extra in (site_packages, "/opt/python"):
        if os.path.isdir(extra):
            front.append(extra)
    sys.path[:] = front + [p for p in rest if p not in front]


def _utf8_streams():
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        enc = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if enc not in ("utf-8", "utf8") and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(encoding="utf-8")
            except Exception:
                pass


def _fatal(message):
    try:
        sys.stderr.write("[sluice bootstrap] %s\n" % message)
    except Exception:
        pass
    sys.exit(1)


def main():
    global _GLOBAL_AWS_REQUEST_ID, _GLOBAL_TENANT_ID

    _utf8_streams()
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)

    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    _set_sys_path(task_root)

    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        _fatal("AWS_LAMBDA_RUNTIME_API is not set")
    try:
        client = RuntimeClient(address)
    except RuntimeAPIError as e:
        _fatal(str(e))

    global _LOG_SINK
    marshaller = Marshaller(ensure_ascii=os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12")
    log_sink = _LOG_SINK = create_log_sink()
    handler_name = os.environ.get("_HANDLER", "")

    try:
        try:
            _install_logging()
            request_handler = get_handler(handler_name)
        except Exception as e:
            if isinstance(e, FaultException):
                error_result = make_error(e.msg, e.exception_type, e.trace)
            else:
                error_result = build_fault_result(sys.exc_info())
            _ensure_logging().warning(LAMBDA_UNHANDLED_EXCEPTION_WARNING)
            log_error(error_result, log_sink, marshaller)
            client.post_init_error(
                marshaller.encode(error_result).encode("utf-8"), error_result["errorType"]
            )
            sys.exit(1)

        while True:
            if not _LOGGING_CONFIGURED and "logging" in sys.modules:
                _ensure_logging()  # imported through a loader the finder could not hook
            headers, body = client.wait_next_invocation()
            invoke_id = headers["lambda-runtime-aws-request-id"]
            _GLOBAL_AWS_REQUEST_ID = invoke_id
            _GLOBAL_TENANT_ID = headers.get("lambda-runtime-aws-tenant-id") or None
            update_xray_env_variable(headers.get("lambda-runtime-trace-id"))
            handle_event_request(client, marshaller, request_handler, invoke_id, headers, body, log_sink)
    except RuntimeAPIError as e:
        _fatal(str(e))


if __name__ == "__main__":
    main()
