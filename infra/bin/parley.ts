#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { environmentFromContext } from '../lib/config';
import { addParley } from '../lib/parley-app';

// `cdk synth|deploy -c env=dev|prod -c region=eu-central-1 [-c alarmEmail=…] [-c originDomain=… -c originCertificateArn=…]`
const app = new App();
const originDomain = app.node.tryGetContext('originDomain') as string | undefined;
const originCertificateArn = app.node.tryGetContext('originCertificateArn') as string | undefined;
if (Boolean(originDomain) !== Boolean(originCertificateArn)) {
  throw new Error('set both originDomain and originCertificateArn, or neither');
}
addParley(app, environmentFromContext(app), {
  ...(originDomain && originCertificateArn && { origin: { domainName: originDomain, certificateArn: originCertificateArn } }),
});
app.synth();
