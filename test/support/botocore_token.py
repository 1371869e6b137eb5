"""Prints the token `aws eks get-token` makes for fixed inputs, with the clock pinned.

Usage: python3 botocore_token.py CLUSTER REGION|- EPOCH_SECONDS
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
Exits 3 when awscli/botocore cannot be imported, so callers can skip.
"""
import datetime
import sys
from unittest import mock

try:
    import botocore.auth
    import botocore.session
    from awscli.customizations.eks.get_token import STSClientFactory, TokenGenerator
except ImportError:
    sys.exit(3)

cluster, region, epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
fixed = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)


class FixedDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return fixed.replace(tzinfo=None)

    @classmethod
    def now(cls, tz=None):
        return fixed if tz else fixed.replace(tzinfo=None)


session = botocore.session.get_session()
with mock.patch.object(botocore.auth.datetime, "datetime", FixedDatetime):
    client = STSClientFactory(session).get_sts_client(region_name=None if region == "-" else region)
    print(TokenGenerator(client).get_token(cluster))
