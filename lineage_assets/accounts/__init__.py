"""Which AWS accounts to crawl and how to act in each: the caller's own account through boto3's
default chain, other accounts through STS AssumeRole with credentials botocore refreshes; one
client factory per account whose clients are shared by every worker of that account."""
