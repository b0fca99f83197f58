import { Annotations, CfnOutput, Duration, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import type { ParleyEnvironment, ServiceName } from '../config';
import { SERVICES } from '../services';
import { SUBNETS } from './network-stack';

export interface EdgeStackProps extends StackProps {
  readonly parley: ParleyEnvironment;
  readonly vpc: ec2.IVpc;
  readonly logBucket: s3.IBucket;
  /**
   * HTTPS between CloudFront and the ALB: a DNS name you point (CNAME) at the ALB and a regional ACM certificate
   * for it. Without them the origin leg is HTTP (see infra/README.md, "Security").
   */
  readonly origin?: { readonly domainName: string; readonly certificateArn: string };
}

/** Tag on the resources that carry the origin secret; changing it makes CloudFormation re-read the secret. */
export const ORIGIN_SECRET_GENERATION_TAG = 'parley:origin-secret-generation';

/** The stack outputs deploy.sh relies on. */
export const EDGE_OUTPUTS = ['Url', 'WebBucket', 'DistributionId'] as const;

/** The construct id of the function every AwsCustomResource of a stack shares (fixed in aws-cdk-lib). */
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** The header CloudFront adds to every origin request; the ALB forwards nothing without it. */
export const ORIGIN_VERIFY_HEADER = 'X-Parley-Origin-Verify';
/** Above socket.io's 25 s ping interval; the apps keep idle connections open longer (launch.cjs: 65 s). */
export const ALB_IDLE_TIMEOUT = Duration.seconds(60);

/**
 * One origin for the browser: CloudFront serves the Angular app from a private bucket and passes `/api/*` and
 * `/socket.io/*` (uncached, every viewer header, WebSockets) to an ALB that routes by path (DESIGN §1) and accepts
 * only CloudFront: its security group admits CloudFront's origin-facing prefix list, its rules a secret header.
 */
export class EdgeStack extends Stack {
  readonly targetGroups = new Map<ServiceName, elbv2.ApplicationTargetGroup>();
  readonly alb: elbv2.ApplicationLoadBalancer;
  readonly albSecurityGroup: ec2.SecurityGroup;
  readonly distribution: cloudfront.Distribution;
  readonly spaBucket: s3.Bucket;
  readonly publicUrl: string;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { parley, vpc, logBucket } = props;
    const https = props.origin !== undefined;

    const originSecret = new secretsmanager.Secret(this, 'OriginVerifySecret', {
      description: 'Parley: the header value CloudFront sends and the ALB requires',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(originSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating it means updating CloudFront and the ALB together: a redeploy after changing the secret ' +
        '(infra/README.md); a rotation Lambda could not update both atomically.',
    });
    const originSecretValue = originSecret.secretValue.unsafeUnwrap();
    // CloudFormation reads a secret only when it updates the resource that names it. After changing the secret,
    // deploy with -c originSecretGeneration=<n+1>: the tag changes, CloudFront and the ALB rules re-read it.
    const originSecretGeneration = String(this.node.tryGetContext('originSecretGeneration') ?? '1');

    // CloudFront's origin-facing prefix list has a different id in every region: look it up at deploy time, so
    // that synth needs no AWS account.
    const prefixList = new cr.AwsCustomResource(this, 'CloudFrontPrefixList', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.global.cloudfront.origin-facing'] }] },
        physicalResourceId: cr.PhysicalResourceId.of('cloudfront-origin-facing'),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    Validations.of(prefixList).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeManagedPrefixLists has no resource-level permission; it is the only action granted.',
    });
    // AwsCustomResource's one shared function, created beside it in this stack.
    const lookupFunction = this.node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID);
    if (lookupFunction) {
      Validations.of(lookupFunction).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The CDK-provided lookup function of AwsCustomResource writes its own logs with the basic role.',
      });
    }

    const port = https ? 443 : 80;
    this.albSecurityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc,
      description: 'Parley ALB: CloudFront origin-facing servers in, service tasks out',
      allowAllOutbound: false,
    });
    this.albSecurityGroup.addIngressRule(
      ec2.Peer.prefixList(prefixList.getResponseField('PrefixLists.0.PrefixListId')),
      ec2.Port.tcp(port),
      'CloudFront origin-facing servers only',
    );
    const ports = SERVICES.map((s) => s.port);
    for (const [i, subnet] of vpc.selectSubnets(SUBNETS.app).subnets.entries()) {
      this.albSecurityGroup.addEgressRule(
        ec2.Peer.ipv4(subnet.ipv4CidrBlock),
        ec2.Port.tcpRange(Math.min(...ports), Math.max(...ports)),
        `service tasks in app subnet ${i + 1}`,
      );
    }

    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      vpcSubnets: SUBNETS.public,
      internetFacing: true,
      securityGroup: this.albSecurityGroup,
      idleTimeout: ALB_IDLE_TIMEOUT,
      dropInvalidHeaderFields: true,
      deletionProtection: parley.name === 'prod',
    });
    this.alb.logAccessLogs(logBucket, 'alb');

    const listener = https
      ? this.alb.addListener('Https', {
        protocol: elbv2.ApplicationProtocol.HTTPS,
        port,
        certificates: [elbv2.ListenerCertificate.fromArn(props.origin.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultAction: elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'Forbidden' }),
      })
      : this.alb.addListener('Http', {
        protocol: elbv2.ApplicationProtocol.HTTP,
        port,
        open: false,
        defaultAction: elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'Forbidden' }),
      });
    if (!https) {
      Annotations.of(this).addInfo(
        'The CloudFront-to-ALB leg is HTTP. For production pass -c originDomain=… -c originCertificateArn=… ' +
          '(infra/README.md).',
      );
    }

    for (const service of SERVICES) {
      const targets = new elbv2.ApplicationTargetGroup(this, `${service.id}Targets`, {
        vpc,
        targetType: elbv2.TargetType.IP,
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: service.port,
        healthCheck: {
          path: '/health/ready',
          healthyHttpCodes: '200',
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
        },
        deregistrationDelay: Duration.seconds(30),
        ...(service.sticky
          ? { stickinessCookieDuration: Duration.days(1), loadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN }
          : { loadBalancingAlgorithmType: elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS }),
      });
      for (const [i, route] of service.routes.entries()) {
        const rule = new elbv2.ApplicationListenerRule(this, `${service.id}Route${i + 1}`, {
          listener,
          priority: route.priority,
          conditions: [
            elbv2.ListenerCondition.httpHeader(ORIGIN_VERIFY_HEADER, [originSecretValue]),
            elbv2.ListenerCondition.pathPatterns([...route.paths]),
          ],
          action: elbv2.ListenerAction.forward([targets]),
        });
        Tags.of(rule).add(ORIGIN_SECRET_GENERATION_TAG, originSecretGeneration);
      }
      this.targetGroups.set(service.name, targets);
    }

    this.spaBucket = new s3.Bucket(this, 'WebApp', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'web/',
      removalPolicy: parley.removalPolicy,
    });

    // Deep links (/rooms/abc) are Angular routes: everything without a file extension gets index.html. A
    // function, not a 404 error page, so an unknown /api path still answers 404 instead of the app shell.
    const spaRouting = new cloudfront.Function(this, 'SpaRouting', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'Parley: Angular routes to index.html',
      code: cloudfront.FunctionCode.fromInline(
        'function handler(event) {\n' +
          '  var request = event.request;\n' +
          '  var last = request.uri.split("/").pop();\n' +
          '  if (last.indexOf(".") === -1) request.uri = "/index.html";\n' +
          '  return request;\n' +
          '}',
      ),
    });

    const albOrigin = new origins.HttpOrigin(https ? props.origin.domainName : this.alb.loadBalancerDnsName, {
      protocolPolicy: https ? cloudfront.OriginProtocolPolicy.HTTPS_ONLY : cloudfront.OriginProtocolPolicy.HTTP_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      customHeaders: { [ORIGIN_VERIFY_HEADER]: originSecretValue },
      readTimeout: Duration.seconds(60),
      keepaliveTimeout: Duration.seconds(60),
    });
    const api: cloudfront.BehaviorOptions = {
      origin: albOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      // Every viewer header reaches the services, among them Upgrade and Sec-WebSocket-* (WebSockets), cookies
      // (refresh token, gateway stickiness) and Authorization. Over HTTPS the Host header must be the origin's own
      // name (certificate check), so the services learn the public origin from PUBLIC_ORIGIN instead.
      originRequestPolicy: https
        ? cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
        : cloudfront.OriginRequestPolicy.ALL_VIEWER,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      compress: false,
    };

    this.distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: `Parley ${parley.name}`,
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.spaBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: [{ function: spaRouting, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
      additionalBehaviors: { '/api/*': api, '/socket.io/*': api },
    });
    Tags.of(this.distribution).add(ORIGIN_SECRET_GENERATION_TAG, originSecretGeneration);
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'A messenger for anyone: no country is excluded.' },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'WAF for CloudFront lives in us-east-1 and costs a monthly base fee; the services rate-limit logins ' +
          'and sockets themselves. infra/README.md lists adding a web ACL as the next hardening step.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason: 'The default *.cloudfront.net certificate cannot pin TLSv1.2_2021; a custom domain with its own ' +
          'certificate can (infra/README.md).',
      },
    );
    if (!https) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR5',
        reason: 'HTTP to the ALB until an origin domain and certificate are configured (-c originDomain, ' +
          '-c originCertificateArn); the ALB answers CloudFront only.',
      });
    }
    this.publicUrl = `https://${this.distribution.distributionDomainName}`;

    // What deploy.sh reads after a deployment (EDGE_OUTPUTS).
    new CfnOutput(this, 'Url', { value: this.publicUrl, description: 'Parley, on its one origin' });
    new CfnOutput(this, 'WebBucket', { value: this.spaBucket.bucketName, description: 'Where deploy.sh uploads the web app' });
    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId, description: 'Invalidated after an upload' });
  }
}
