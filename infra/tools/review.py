"""Offline helpers for infra/check: expand the SAM template, resolve it, print its policies.

Run with the venv that infra/check builds (it has aws-sam-translator):

    review.py transform TEMPLATE OUT.json [EXAMPLE.json]
    review.py resolve TRANSFORMED.json EXAMPLE.json OUT.json
    review.py policies RESOLVED.json
    review.py guard CFN_GUARD RULES_DIR DATA LABEL
    review.py expect-failures CFN_GUARD RULES_DIR SAMPLE DATA...

`transform` runs the SAM translator without AWS credentials or network, so the result
is what CloudFormation would get after the `AWS::Serverless` transform, Globals applied.
`resolve` evaluates Conditions and intrinsic functions with the example parameters in
EXAMPLE.json and gives every resource a made-up but well-formed physical id, so that
policy documents read as they would in a deployed stack. `policies` prints every IAM
and resource policy document of a resolved template and fails if one is not plain
JSON (an intrinsic left unresolved) or if a role takes permissions from outside the
template (a managed policy).
"""

import hashlib
import json
import logging
import os
import re
import sys

PSEUDO_DEFAULTS = {
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "studio-gate",
    "AWS::NotificationARNs": [],
}

NO_VALUE = object()


class ResolveError(Exception):
    """A template construct this resolver does not know how to evaluate."""


# ---------------------------------------------------------------- transform


def transform(template_path, out_path, example_path=None):
    from samtranslator.translator.transform import transform as sam_transform
    from samtranslator.yaml_helper import yaml_parse

    class NoManagedPolicies:
        """The template names no AWS managed policies, so nothing needs to be looked up in IAM."""

        def load(self):
            return {}

    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    with open(template_path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    # `sam package` would upload the code and put S3 locations here; the translator
    # insists on them, so stand-ins take their place (the code is not what is checked).
    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            if not props["CodeUri"].startswith("s3://"):
                props["CodeUri"] = f"s3://studio-gate-artifacts/{logical_id}.zip"
    # Without an example, SAM sees the parameters' defaults only (as `sam validate` does);
    # with one, it sees the example's values, as CloudFormation would pass them.
    parameter_values = {}
    if example_path:
        with open(example_path, encoding="utf-8") as f:
            example = json.load(f)
        parameter_values = {name: value for name, value in example.get("Parameters", {}).items()}
        for pseudo, key in (("AWS::Region", "Region"), ("AWS::AccountId", "AccountId"), ("AWS::StackName", "StackName")):
            if key in example:
                parameter_values[pseudo] = example[key]
    transformed = sam_transform(template, parameter_values, NoManagedPolicies())
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(transformed, f, indent=1)
        f.write("\n")


# ---------------------------------------------------------------- resolve


def _digest(text, alphabet, length):
    raw = hashlib.sha256(text.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in raw[:length])


LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
HEX = "0123456789abcdef"


class Resolver:
    def __init__(self, template, example):
        self.template = template
        self.resources = template.get("Resources", {})
        self.pseudo = dict(PSEUDO_DEFAULTS)
        self.pseudo["AWS::Region"] = example.get("Region", self.pseudo["AWS::Region"])
        self.pseudo["AWS::AccountId"] = example.get("AccountId", self.pseudo["AWS::AccountId"])
        self.pseudo["AWS::StackName"] = example.get("StackName", self.pseudo["AWS::StackName"])
        self.pseudo["AWS::StackId"] = "arn:aws:cloudformation:{}:{}:stack/{}/{}".format(
            self.pseudo["AWS::Region"],
            self.pseudo["AWS::AccountId"],
            self.pseudo["AWS::StackName"],
            "00000000-0000-0000-0000-000000000000",
        )
        self.params = {}
        given = example.get("Parameters", {})
        for name, spec in template.get("Parameters", {}).items():
            if name in given:
                value = given[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise ResolveError(f"the example gives no value for parameter {name}, which has no default")
            if spec.get("Type", "").startswith("List<") or spec.get("Type") == "CommaDelimitedList":
                if isinstance(value, str):
                    value = [v.strip() for v in value.split(",")] if value else []
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            self.params[name] = value
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            raise ResolveError(f"the example sets parameters the template does not have: {', '.join(unknown)}")
        self.conditions = {}
        self._evaluating = set()

    # -- conditions

    def condition(self, name):
        if name not in self.conditions:
            if name in self._evaluating:
                raise ResolveError(f"condition {name} refers to itself")
            self._evaluating.add(name)
            self.conditions[name] = bool(self.value(self.template["Conditions"][name]))
            self._evaluating.discard(name)
        return self.conditions[name]

    def exists(self, logical_id):
        resource = self.resources.get(logical_id)
        if resource is None:
            return False
        cond = resource.get("Condition")
        return cond is None or self.condition(cond)

    # -- physical ids

    def physical_ref(self, logical_id):
        if not self.exists(logical_id):
            raise ResolveError(f"Ref to {logical_id}, which these parameters do not create")
        resource = self.resources[logical_id]
        kind = resource["Type"]
        props = resource.get("Properties", {})
        stack = self.pseudo["AWS::StackName"]
        region = self.pseudo["AWS::Region"]
        if kind == "AWS::EC2::VPCEndpoint":
            return "vpce-0" + _digest(logical_id, HEX, 16)
        if kind == "AWS::EC2::SecurityGroup":
            return "sg-0" + _digest(logical_id, HEX, 16)
        if kind == "AWS::ApiGateway::RestApi":
            return _digest(logical_id, LOWER_ALNUM, 10)
        if kind == "AWS::ApiGateway::Stage":
            return self.value(props["StageName"])
        if kind == "AWS::ApiGateway::Deployment":
            return _digest(logical_id, LOWER_ALNUM, 6)
        if kind == "AWS::Cognito::UserPool":
            return f"{region}_" + _digest(logical_id, UPPER_ALNUM + "abcdefghijklmnopqrstuvwxyz", 9)
        if kind == "AWS::Cognito::UserPoolClient":
            return _digest(logical_id, LOWER_ALNUM, 26)
        if kind == "AWS::Cognito::UserPoolIdentityProvider":
            return self.value(props["ProviderName"])
        if kind == "AWS::Cognito::UserPoolDomain":
            return self.value(props["Domain"])
        if kind == "AWS::Logs::LogGroup":
            if "LogGroupName" in props:
                return self.value(props["LogGroupName"])
            return f"{stack}-{logical_id}-" + _digest(logical_id, UPPER_ALNUM, 12)
        if kind == "AWS::Lambda::Function" and "FunctionName" in props:
            return self.value(props["FunctionName"])
        if kind == "AWS::IAM::Role" and "RoleName" in props:
            return self.value(props["RoleName"])
        if kind in ("AWS::Lambda::Function", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            return f"{stack}-{logical_id}-" + _digest(logical_id, UPPER_ALNUM, 12)
        return f"<{logical_id}>"

    def physical_attr(self, logical_id, attr):
        if not self.exists(logical_id):
            raise ResolveError(f"GetAtt of {logical_id}, which these parameters do not create")
        kind = self.resources[logical_id]["Type"]
        p = self.pseudo
        ref = self.physical_ref(logical_id)
        arns = {
            "AWS::Lambda::Function": f"arn:{p['AWS::Partition']}:lambda:{p['AWS::Region']}:{p['AWS::AccountId']}:function:{ref}",
            "AWS::IAM::Role": f"arn:{p['AWS::Partition']}:iam::{p['AWS::AccountId']}:role/{ref}",
            "AWS::Logs::LogGroup": f"arn:{p['AWS::Partition']}:logs:{p['AWS::Region']}:{p['AWS::AccountId']}:log-group:{ref}:*",
            "AWS::Cognito::UserPool": f"arn:{p['AWS::Partition']}:cognito-idp:{p['AWS::Region']}:{p['AWS::AccountId']}:userpool/{ref}",
        }
        if attr == "Arn" and kind in arns:
            return arns[kind]
        if kind == "AWS::EC2::SecurityGroup" and attr == "GroupId":
            return ref
        if kind == "AWS::ApiGateway::RestApi" and attr == "RootResourceId":
            return _digest(logical_id + "/", LOWER_ALNUM, 10)
        return f"<{logical_id}.{attr}>"

    # -- values

    def ref(self, name):
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            return self.params[name]
        if name in self.resources:
            return self.physical_ref(name)
        raise ResolveError(f"Ref to unknown name {name}")

    def sub(self, text, variables):
        def one(match):
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                value = variables[inner]
            elif "." in inner and inner.split(".", 1)[0] in self.resources:
                value = self.physical_attr(*inner.split(".", 1))
            else:
                value = self.ref(inner)
            if isinstance(value, list):
                raise ResolveError(f"Fn::Sub of ${{{inner}}}, a list")
            return str(value)

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def value(self, node):
        if isinstance(node, list):
            out = [self.value(item) for item in node]
            return [item for item in out if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::If":
                name, then, otherwise = arg
                return self.value(then if self.condition(name) else otherwise)
            if key == "Fn::Equals":
                left, right = (self.value(a) for a in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.value(arg[0])
            if key == "Fn::And":
                return all(self.value(a) for a in arg)
            if key == "Fn::Or":
                return any(self.value(a) for a in arg)
            if key == "Fn::GetAtt":
                logical_id, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.physical_attr(logical_id, self.value(attr))
            if key == "Fn::Sub":
                if isinstance(arg, str):
                    return self.sub(arg, {})
                text, variables = arg
                return self.sub(text, {k: self.value(v) for k, v in variables.items()})
            if key == "Fn::Join":
                sep, items = arg
                return self.value(sep).join(str(i) for i in self.value(items))
            if key == "Fn::Split":
                sep, text = arg
                return self.value(text).split(self.value(sep))
            if key == "Fn::Select":
                index, items = arg
                return self.value(items)[int(self.value(index))]
            if key == "Fn::GetAZs":
                region = self.value(arg) or self.pseudo["AWS::Region"]
                return [f"{region}a", f"{region}b", f"{region}c"]
            if key == "Fn::FindInMap":
                name, top, second = (self.value(a) for a in arg)
                return self.template["Mappings"][name][top][second]
            if key == "Fn::Base64":
                return self.value(arg)
            if key.startswith("Fn::"):
                raise ResolveError(f"{key} is not supported by this resolver")
        out = {}
        for key, item in node.items():
            item = self.value(item)
            if item is not NO_VALUE:
                out[key] = item
        return out

    def resolved_template(self):
        out = {
            "AWSTemplateFormatVersion": self.template.get("AWSTemplateFormatVersion", "2010-09-09"),
            "Parameters": self.template.get("Parameters", {}),
            "Resources": {},
        }
        for logical_id, resource in self.resources.items():
            if not self.exists(logical_id):
                continue
            copy = {k: v for k, v in resource.items() if k != "Condition"}
            if "Properties" in copy:
                copy["Properties"] = self.value(copy["Properties"])
            out["Resources"][logical_id] = copy
        out["Metadata"] = {
            "StudioGateExample": {
                "Region": self.pseudo["AWS::Region"],
                "AccountId": self.pseudo["AWS::AccountId"],
                "Partition": self.pseudo["AWS::Partition"],
                "StackName": self.pseudo["AWS::StackName"],
            }
        }
        out["Outputs"] = {
            name: {"Value": self.value(o["Value"])}
            for name, o in self.template.get("Outputs", {}).items()
            if "Condition" not in o or self.condition(o["Condition"])
        }
        return out


def resolve(transformed_path, example_path, out_path):
    with open(transformed_path, encoding="utf-8") as f:
        template = json.load(f)
    with open(example_path, encoding="utf-8") as f:
        example = json.load(f)
    resolved = Resolver(template, example).resolved_template()
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(resolved, f, indent=1)
        f.write("\n")


# ---------------------------------------------------------------- policies


def _unresolved(node):
    if isinstance(node, dict):
        if any(k == "Ref" or k.startswith("Fn::") for k in node):
            return True
        return any(_unresolved(v) for v in node.values())
    if isinstance(node, list):
        return any(_unresolved(v) for v in node)
    return isinstance(node, str) and node.startswith("<") and node.endswith(">")


def _lambda_permission_statement(props, example):
    function = props.get("FunctionName")
    if isinstance(function, str) and not function.startswith("arn:"):
        function = "arn:{}:lambda:{}:{}:function:{}".format(
            example.get("Partition", "aws"), example.get("Region"), example.get("AccountId"), function
        )
    principal = props.get("Principal")
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": principal} if str(principal).endswith(".amazonaws.com") else {"AWS": principal},
        "Action": props.get("Action"),
        "Resource": function,
    }
    condition = {}
    if "SourceArn" in props:
        condition["ArnLike"] = {"AWS:SourceArn": props["SourceArn"]}
    if "SourceAccount" in props:
        condition["StringEquals"] = {"AWS:SourceAccount": props["SourceAccount"]}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


# Identity policies first, then what each resource admits.
POLICY_ORDER = [
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::ApiGateway::RestApi",
    "AWS::Lambda::Permission",
    "AWS::EC2::VPCEndpoint",
]


def policy_documents(template):
    """Yields (title, document) for every policy document in a resolved template."""
    example = template.get("Metadata", {}).get("StudioGateExample", {})
    resources = sorted(
        template["Resources"].items(),
        key=lambda item: (
            POLICY_ORDER.index(item[1]["Type"]) if item[1]["Type"] in POLICY_ORDER else len(POLICY_ORDER),
            item[0],
        ),
    )
    for logical_id, resource in resources:
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            yield f"IAM role {logical_id}: who may assume it", props.get("AssumeRolePolicyDocument")
            for policy in props.get("Policies", []):
                yield f"IAM role {logical_id}: inline policy {policy.get('PolicyName')}", policy.get("PolicyDocument")
            for arn in props.get("ManagedPolicyArns", []):
                yield f"IAM role {logical_id}: managed policy {arn} (its content is not in this template)", None
            if "PermissionsBoundary" in props:
                yield f"IAM role {logical_id}: permissions boundary {props['PermissionsBoundary']} (not in this template)", None
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            attached = ", ".join(props.get("Roles", []) + props.get("Users", []) + props.get("Groups", []))
            yield f"{kind} {logical_id} (attached to {attached or 'nothing'})", props.get("PolicyDocument")
        elif kind == "AWS::ApiGateway::RestApi":
            doc = props.get("Policy") or props.get("Body", {}).get("x-amazon-apigateway-policy")
            yield f"REST API {logical_id}: resource policy", doc or {"note": "none: any caller that reaches the API"}
        elif kind == "AWS::Lambda::Permission":
            yield f"Lambda permission {logical_id}: statement in the function's resource policy", _lambda_permission_statement(props, example)
        elif kind == "AWS::EC2::VPCEndpoint":
            title = f"VPC endpoint {logical_id} ({props.get('ServiceName')}): endpoint policy"
            yield title, props.get("PolicyDocument") or {"note": "none set: the service's default, full access"}
        else:
            for key, value in props.items():
                if isinstance(value, dict) and "Statement" in value:
                    yield f"{kind} {logical_id}: {key}", value


STATEMENT_ORDER = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"]


def _readable(doc):
    """The document with each statement's keys in the order people read them."""
    if not isinstance(doc, dict) or not isinstance(doc.get("Statement"), list):
        return doc
    statements = []
    for statement in doc["Statement"]:
        if isinstance(statement, dict):
            known = [k for k in STATEMENT_ORDER if k in statement]
            statement = {k: statement[k] for k in known + [k for k in statement if k not in known]}
        statements.append(statement)
    return {**doc, "Statement": statements}


def policies(resolved_path):
    with open(resolved_path, encoding="utf-8") as f:
        template = json.load(f)
    problems = []
    count = 0
    for title, doc in policy_documents(template):
        count += 1
        print(f"--- {title}")
        if doc is None:
            problems.append(f"{title}: permissions come from outside the template and cannot be reviewed here")
            print("    (not in the template)\n")
            continue
        if _unresolved(doc):
            problems.append(f"{title}: holds a value the example parameters did not resolve")
        print("\n".join("    " + line for line in json.dumps(_readable(doc), indent=2).splitlines()))
        print()
    print(f"{count} policy documents.")
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


# ---------------------------------------------------------------- guard reports


def _json_documents(text):
    decoder = json.JSONDecoder()
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return
        doc, index = decoder.raw_decode(text, index)
        yield doc


def _first_path(node):
    if isinstance(node, dict):
        for key in ("traversed_to", "from", "value"):
            if isinstance(node.get(key), dict) and "path" in node[key]:
                return node[key]["path"]
        if isinstance(node.get("path"), str):
            return node["path"]
        for value in node.values():
            found = _first_path(value)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _first_path(value)
            if found:
                return found
    return None


def _findings(node, out):
    """Collects (custom message, path) pairs from a guard JSON report, depth first."""
    if isinstance(node, dict):
        messages = node.get("messages")
        if isinstance(messages, dict) and messages.get("custom_message"):
            out.append((messages["custom_message"].strip(), _first_path(node) or ""))
        for key, value in node.items():
            if key != "messages":
                _findings(value, out)
    elif isinstance(node, list):
        for value in node:
            _findings(value, out)


def run_guard(guard, rules_dir, data_path):
    """Runs cfn-guard; returns {rule: [(message, path), ...]} for failures, and passed/skipped names."""
    import subprocess

    result = subprocess.run(
        [guard, "validate", "-r", rules_dir, "-d", data_path, "-o", "json", "--show-summary", "none"],
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 19):
        raise RuntimeError(f"cfn-guard could not evaluate {data_path} (exit {result.returncode}):\n{result.stderr or result.stdout}")
    failed, passed, skipped = {}, set(), set()
    for doc in _json_documents(result.stdout):
        passed.update(doc.get("compliant", []))
        skipped.update(doc.get("not_applicable", []))
        for entry in doc.get("not_compliant", []):
            rule = entry.get("Rule", entry)
            found = []
            _findings(rule.get("checks", []), found)
            failed.setdefault(rule.get("name", "?"), []).extend(found)
    if (result.returncode == 19) != bool(failed):
        raise RuntimeError(f"cfn-guard's exit code {result.returncode} disagrees with its report for {data_path}")
    return failed, passed - set(failed), skipped - set(failed) - passed


def _resource_of(path):
    parts = path.split("/")
    return parts[2].split("[")[0] if len(parts) > 2 and parts[1] == "Resources" else ""


def print_failures(failed):
    for rule, findings in sorted(failed.items()):
        print(f"  FAIL {rule}")
        seen = set()
        for message, path in findings:
            key = (message, _resource_of(path))
            if key in seen:
                continue
            seen.add(key)
            where = _resource_of(path) or path.split("[")[0] or "template"
            print(f"       {where}: {message}")
        if not findings:
            print("       (cfn-guard gave no message for this failure)")


def guard(guard_bin, rules_dir, data_path, label):
    try:
        failed, passed, skipped = run_guard(guard_bin, rules_dir, data_path)
    except RuntimeError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    status = "FAIL" if failed else "PASS"
    print(f"{status} {label}: {len(passed)} rules pass, {len(failed)} fail", end="")
    print(f", {len(skipped)} do not apply ({', '.join(sorted(skipped))})" if skipped else "")
    print_failures(failed)
    return 1 if failed else 0


def expect_failures(guard_bin, rules_dir, sample_path, data_paths):
    """A broken sample must fail exactly the rules its `# expect:` lines name, with their messages."""
    expected = {}
    with open(sample_path, encoding="utf-8") as f:
        for line in f:
            match = re.match(r"#\s*expect:\s*(\w+):\s*(.+?)\s*$", line)
            if match:
                expected.setdefault(match.group(1), []).append(match.group(2))
    name = os.path.relpath(sample_path, os.path.dirname(os.path.abspath(rules_dir)))
    if not expected:
        print(f"ERROR: {name} has no '# expect: <rule>: <message words>' line", file=sys.stderr)
        return 1
    # A SAM sample is checked as written and as transformed, like the template.
    failed = {}
    try:
        for data_path in data_paths:
            for rule, findings in run_guard(guard_bin, rules_dir, data_path)[0].items():
                failed.setdefault(rule, []).extend(findings)
    except RuntimeError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 1
    problems = []
    for rule, needles in expected.items():
        if rule not in failed:
            problems.append(f"rule {rule} did not fail")
            continue
        messages = " ".join(message for message, _ in failed[rule])
        for needle in needles:
            if needle not in messages:
                problems.append(f"rule {rule} failed without the message '{needle}'")
    for rule in failed:
        if rule not in expected:
            problems.append(f"rule {rule} failed too, but the sample does not expect it")
    if problems:
        print(f"ERROR: broken sample {name}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print_failures(failed)
        return 1
    print(f"ok   {name} is refused by {', '.join(sorted(expected))}")
    for rule in sorted(failed):
        for message in dict.fromkeys(m for m, _ in failed[rule]):
            print(f"       {rule}: {message}")
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "transform" and len(argv) in (4, 5):
        transform(argv[2], argv[3], argv[4] if len(argv) == 5 else None)
        return 0
    if len(argv) >= 2 and argv[1] == "resolve" and len(argv) == 5:
        try:
            resolve(argv[2], argv[3], argv[4])
        except ResolveError as err:
            print(f"ERROR: {argv[3]}: {err}", file=sys.stderr)
            return 1
        return 0
    if len(argv) >= 2 and argv[1] == "policies" and len(argv) == 3:
        return policies(argv[2])
    if len(argv) >= 2 and argv[1] == "guard" and len(argv) == 6:
        return guard(argv[2], argv[3], argv[4], argv[5])
    if len(argv) >= 2 and argv[1] == "expect-failures" and len(argv) >= 6:
        return expect_failures(argv[2], argv[3], argv[4], argv[5:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
