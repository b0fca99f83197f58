import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ParleyEnvironment } from '../config';

export interface NetworkStackProps extends StackProps {
  readonly parley: ParleyEnvironment;
}

export const VPC_CIDR = '10.40.0.0/16';

/** Subnet groups: the ALB faces the internet; tasks and Redis have no route to it at all. */
export const SUBNETS = {
  public: { subnetGroupName: 'public' },
  app: { subnetGroupName: 'app' },
  data: { subnetGroupName: 'data' },
} as const;

/**
 * The VPC: public subnets for the ALB only, isolated subnets for tasks and Redis, no NAT gateway. Tasks reach
 * AWS through endpoints (gateway endpoints for DynamoDB and S3, interface endpoints for ECR, Logs and Secrets
 * Manager); nothing they run needs the internet.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { parley } = props;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      maxAzs: parley.maxAzs,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets: [SUBNETS.app] },
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [SUBNETS.app] },
      },
    });

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: parley.logRetention,
      removalPolicy: parley.removalPolicy,
    });
    // Rejected connections only: the evidence for a misconfigured security group or a probe, at a fraction of the
    // cost of logging every accepted flow of every socket.
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    // One group for all interface endpoints, with the VPC's range written out (the default rule refers to the VPC's
    // CIDR attribute, which cdk-nag cannot evaluate).
    const endpointGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Parley interface endpoints: HTTPS from inside the VPC',
      allowAllOutbound: false,
    });
    endpointGroup.addIngressRule(ec2.Peer.ipv4(VPC_CIDR), ec2.Port.tcp(443), 'HTTPS from the VPC');
    const endpoints = {
      Ecr: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    };
    for (const [name, service] of Object.entries(endpoints)) {
      this.vpc.addInterfaceEndpoint(name, {
        service, subnets: SUBNETS.app, privateDnsEnabled: true, securityGroups: [endpointGroup], open: false,
      });
    }
  }
}
