# Starts moto's S3-compatible server with SigV4 signature checking on, as AWS does.
# Sourced by scripts/test and scripts/bench.d/s3.sh (after packages.sh, for free_port).
#
#   start_moto DIR    starts the server (its log and launcher live in DIR) and exports S3_ENDPOINT,
#                     AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION; moto_pid is its process.
#
# moto checks signatures only once an access key exists in its IAM and /moto-api/reset-auth has been
# called: the key is created first (moto accepts any credentials until then), with a policy that allows
# everything, and a request signed with another secret then fails with SignatureDoesNotMatch.
#
# The launcher fixes one moto (werkzeug) quirk: the URL moto verifies the signature against has
# %2F, %3A, %40 and other reserved escapes decoded, so every correctly encoded request with such a
# character in the query (ListObjectsV2 prefix=a%2Fb) or the key would be refused. The launcher
# lets the check see the request URI exactly as the client sent and signed it, which is what AWS
# verifies. Nothing else in moto changes.

moto_pid=""

start_moto() {
  local dir=$1 port endpoint keys
  cat >"$dir/moto_server.py" <<'PYTHON'
import sys
from urllib.parse import urlparse

from moto.core import authorization, responses
from moto.server import main

original_setup = responses.BaseResponse.setup_class
original_check = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action


def setup_class(self, request, full_url, headers, *args, **kwargs):
    original_setup(self, request, full_url, headers, *args, **kwargs)
    raw = getattr(request, "environ", {}).get("RAW_URI")
    self._signed_uri = None
    if raw:
        sent = urlparse(raw)
        self._signed_uri = urlparse(full_url)._replace(path=sent.path, query=sent.query).geturl()


def check(self, *args, **kwargs):
    signed = getattr(self, "_signed_uri", None)
    if not signed:
        return original_check(self, *args, **kwargs)
    decoded, self.uri = self.uri, signed
    try:
        return original_check(self, *args, **kwargs)
    finally:
        self.uri = decoded


responses.BaseResponse.setup_class = setup_class
authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = check
main(sys.argv[1:])
PYTHON
  port=$(free_port)
  python3 "$dir/moto_server.py" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
  moto_pid=$!
  endpoint="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -fs "$endpoint/" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "$endpoint/" >/dev/null || { echo "the S3 test server did not start:" >&2; cat "$dir/moto.log" >&2; return 1; }

  keys=$(AWS_ACCESS_KEY_ID=bootstrap AWS_SECRET_ACCESS_KEY=bootstrap python3 - "$endpoint" <<'PYTHON'
import json, sys
import boto3

iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1")
iam.create_user(UserName="nomaly")
policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
iam.put_user_policy(UserName="nomaly", PolicyName="everything", PolicyDocument=json.dumps(policy))
key = iam.create_access_key(UserName="nomaly")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
PYTHON
  ) || { echo "cannot create the S3 test server's access key" >&2; return 1; }
  curl -fsS -X POST -H 'Content-Type: text/plain' --data-binary 0 "$endpoint/moto-api/reset-auth" >/dev/null \
    || { echo "cannot turn on signature checking in the S3 test server" >&2; return 1; }

  export S3_ENDPOINT="$endpoint" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_ACCESS_KEY_ID="${keys% *}" AWS_SECRET_ACCESS_KEY="${keys#* }"
  # The aws CLI and boto3 must not read other credentials or settings.
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
  unset AWS_SESSION_TOKEN AWS_PROFILE
}
