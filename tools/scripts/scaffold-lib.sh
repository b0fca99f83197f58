#!/usr/bin/env bash
# usage: scaffold.sh <root> <name> <tags...>
set -e
root=$1; name=$2; shift 2
tags=$(printf '"%s",' "$@"); tags="[${tags%,}]"
depth=$(echo "$root" | awk -F/ '{print NF}')
up=$(printf '../%.0s' $(seq 1 $depth))
mkdir -p $root/src/lib
cat > $root/project.json <<J
{
  "name": "$name",
  "\$schema": "${up}node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$root/src",
  "projectType": "library",
  "tags": $tags,
  "targets": {
    "lint": { "executor": "@nx/eslint:lint" },
    "test": {
      "executor": "@nx/jest:jest",
      "outputs": ["{workspaceRoot}/coverage/{projectRoot}"],
      "options": { "jestConfig": "$root/jest.config.ts" }
    }
  }
}
J
cat > $root/tsconfig.json <<J
{
  "extends": "${up}tsconfig.base.json",
  "files": [],
  "include": [],
  "references": [{ "path": "./tsconfig.lib.json" }, { "path": "./tsconfig.spec.json" }]
}
J
cat > $root/tsconfig.lib.json <<J
{
  "extends": "./tsconfig.json",
  "compilerOptions": { "outDir": "${up}dist/out-tsc", "types": ["node"] },
  "include": ["src/**/*.ts"],
  "exclude": ["jest.config.ts", "src/**/*.spec.ts", "src/**/*.integration-spec.ts"]
}
J
cat > $root/tsconfig.spec.json <<J
{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "outDir": "${up}dist/out-tsc",
    "module": "commonjs",
    "moduleResolution": "node10",
    "ignoreDeprecations": "6.0",
    "isolatedModules": true,
    "allowJs": true,
    "types": ["jest", "node"]
  },
  "include": ["jest.config.ts", "src/**/*.spec.ts", "src/**/*.integration-spec.ts", "src/**/*.d.ts"]
}
J
cat > $root/jest.config.ts <<J
export default {
  displayName: '$name',
  preset: '${up}jest.preset.js',
  coverageDirectory: '${up}coverage/$root',
};
J
cat > $root/eslint.config.mjs <<J
import baseConfig from '${up}eslint.config.mjs';

export default [...baseConfig];
J
[ -f $root/src/index.ts ] || echo "export {};" > $root/src/index.ts
