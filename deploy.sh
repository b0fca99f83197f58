#!/usr/bin/env bash
# Deploys Parley to AWS with the CDK app in infra/ (see infra/README.md).
#
#   ./deploy.sh                  everything: infrastructure, then the app
#   ./deploy.sh infrastructure   network, data (tables, bucket, Redis, secrets) and edge (CloudFront, ALB)
#   ./deploy.sh app              the services (image built from ./Dockerfile), alarms and dashboard, and the web app
#
# Options (environment variables):
#   PARLEY_ENV=dev|prod          which configuration (default dev)
#   AWS_REGION=eu-central-1      where (default: the AWS CLI's configured region)
#   ALARM_EMAIL=ops@example.com  subscribe this address to the alarms
#   CDK_APPROVAL=never           skip CDK's confirmation of security-relevant changes (default: ask)
set -euo pipefail

# No external commands before the prerequisites are checked: their absence must produce our message.
root=${BASH_SOURCE[0]%/*}
[[ "$root" == "${BASH_SOURCE[0]}" ]] && root=.
cd "$root"

die() {
  echo "deploy.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: ./deploy.sh [all|infrastructure|app]   (PARLEY_ENV=dev|prod, AWS_REGION=…)"
}

target=${1:-all}
case "$target" in
  all | infrastructure | app) ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
env_name=${PARLEY_ENV:-dev}
[[ "$env_name" == dev || "$env_name" == prod ]] || die "PARLEY_ENV must be dev or prod, not \"$env_name\""

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is missing. $2"
}

check_prerequisites() {
  need node "Install Node.js 24 (https://nodejs.org/)."
  need npm "It comes with Node.js."
  [[ -d node_modules ]] || die "node_modules is missing. Run: npm ci"
  local major
  major=$(node_modules/.bin/node -p 'process.versions.node.split(".")[0]' 2>/dev/null || node -p 'process.versions.node.split(".")[0]')
  (( major >= 24 )) || die "Node.js 24 is needed (found $major). Run: npm ci (it installs Node 24 into node_modules)."
  need aws "Install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
  if [[ "$target" != infrastructure ]]; then
    need docker "The service image is built locally: install Docker (Desktop or Engine)."
    docker info >/dev/null 2>&1 || die "Docker is installed but not running. Start it and try again."
  fi
  account=$(aws sts get-caller-identity --query Account --output text 2>/dev/null) \
    || die "No AWS credentials. Run 'aws configure' or 'aws sso login', or set AWS_PROFILE."
  region=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null || true)}}
  [[ -n "$region" ]] || die "No AWS region. Set AWS_REGION (for example AWS_REGION=eu-central-1)."
  aws cloudformation describe-stacks --stack-name CDKToolkit --region "$region" >/dev/null 2>&1 \
    || die "CDK is not bootstrapped in account $account, region $region. Run once: npx cdk bootstrap aws://$account/$region"
}

cdk() {
  local context=(-c "env=$env_name" -c "region=$region")
  [[ -n "${ALARM_EMAIL:-}" ]] && context+=(-c "alarmEmail=$ALARM_EMAIL")
  (cd infra && CDK_DEFAULT_REGION="$region" npx --no-install cdk "$@" "${context[@]}")
}

stack() {
  echo "Parley-$env_name-$1"
}

output() {
  aws cloudformation describe-stacks --region "$region" --stack-name "$(stack Edge)" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

deploy_infrastructure() {
  echo "==> infrastructure ($env_name, $account/$region)"
  cdk deploy --exclusively "$(stack Network)" "$(stack Data)" "$(stack Edge)" --require-approval "${CDK_APPROVAL:-broadening}"
}

deploy_app() {
  aws cloudformation describe-stacks --region "$region" --stack-name "$(stack Edge)" >/dev/null 2>&1 \
    || die "stack $(stack Edge) does not exist yet: run ./deploy.sh infrastructure first"
  echo "==> services ($env_name): building the image and deploying"
  cdk deploy --exclusively "$(stack Services)" "$(stack Observability)" --require-approval "${CDK_APPROVAL:-broadening}"

  echo "==> web app"
  npx --no-install nx build web --outputStyle=static
  local dist=dist/apps/web/browser bucket distribution
  [[ -f "$dist/index.html" ]] || die "the web build left no $dist/index.html"
  bucket=$(output WebBucket)
  distribution=$(output DistributionId)
  # Hashed bundles are immutable; everything else is revalidated. Old bundles stay, for pages still open.
  aws s3 sync "$dist" "s3://$bucket" --region "$region" --exclude index.html --exclude '*.js' --exclude '*.css' \
    --cache-control 'public,max-age=3600'
  aws s3 sync "$dist" "s3://$bucket" --region "$region" --exclude '*' --include '*.js' --include '*.css' \
    --cache-control 'public,max-age=31536000,immutable'
  aws s3 cp "$dist/index.html" "s3://$bucket/index.html" --region "$region" --cache-control 'no-cache'
  aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/index.html' '/' >/dev/null
}

check_prerequisites
case "$target" in
  infrastructure) deploy_infrastructure ;;
  app) deploy_app ;;
  all) deploy_infrastructure; deploy_app ;;
esac
echo
echo "Parley ($env_name) is at: $(output Url)"
