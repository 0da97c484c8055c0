#!/usr/bin/python3
"""Writes the simulated API server's OpenAPI schemas from the official Python client's models
(Debian's python3-kubernetes): field names, types, descriptions and required fields of every kind the
simulator serves, as Kubernetes names its definitions. Run: /usr/bin/python3 scripts/gen-sim-openapi.py"""
import inspect, json, os, re, sys
import kubernetes
from kubernetes.client import models

KINDS = {  # served kind -> (group, version)
    'V1Namespace': ('', 'v1'), 'V1Node': ('', 'v1'), 'V1Pod': ('', 'v1'), 'V1Service': ('', 'v1'),
    'V1Endpoints': ('', 'v1'), 'CoreV1Event': ('', 'v1'), 'V1ConfigMap': ('', 'v1'), 'V1Secret': ('', 'v1'),
    'V1ServiceAccount': ('', 'v1'), 'V1Deployment': ('apps', 'v1'), 'V1ReplicaSet': ('apps', 'v1'),
    'V1Lease': ('coordination.k8s.io', 'v1'), 'V1EndpointSlice': ('discovery.k8s.io', 'v1'),
    'V1SelfSubjectAccessReview': ('authorization.k8s.io', 'v1'), 'V1SelfSubjectRulesReview': ('authorization.k8s.io', 'v1'),
    'V1Scale': ('autoscaling', 'v1'), 'V1Status': ('', 'v1'), 'V1DeleteOptions': ('', 'v1'),
}
LISTS = {k: k.replace('V1', 'V1', 1) + 'List' for k in KINDS}
META = {'V1ObjectMeta', 'V1ListMeta', 'V1LabelSelector', 'V1LabelSelectorRequirement', 'V1OwnerReference',
        'V1ManagedFieldsEntry', 'V1Status', 'V1StatusDetails', 'V1StatusCause', 'V1DeleteOptions', 'V1Preconditions',
        'V1Condition'}
DISCOVERY = {c: 'discovery' for c in ('V1EndpointSlice', 'V1EndpointSliceList', 'V1Endpoint', 'V1EndpointConditions', 'V1EndpointHints', 'V1ForZone', 'DiscoveryV1EndpointPort')}
GROUP_PREFIX = {'V1Deployment': 'apps', 'V1ReplicaSet': 'apps', 'V1RollingUpdateDeployment': 'apps', 'V1Lease': 'coordination', 'V1ForZone': 'discovery',
                'V1SelfSubject': 'authorization', 'V1ResourceAttributes': 'authorization', 'V1NonResourceAttributes': 'authorization',
                'V1SubjectAccessReviewStatus': 'authorization', 'V1SubjectRulesReviewStatus': 'authorization', 'V1ResourceRule': 'authorization',
                'V1NonResourceRule': 'authorization', 'V1Scale': 'autoscaling'}
KIND_NAME = {'CoreV1Event': 'Event', 'CoreV1EventList': 'EventList', 'CoreV1EventSeries': 'EventSeries', 'CoreV1EndpointPort': 'EndpointPort',
             'DiscoveryV1EndpointPort': 'EndpointPort'}

# The models carry no type-level text; these are the first sentences Kubernetes' own API reference gives.
DESCRIPTIONS = {
    'V1Namespace': 'Namespace provides a scope for Names. Use of multiple namespaces is optional.',
    'V1Node': 'Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).',
    'V1Pod': 'Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.',
    'V1Service': 'Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
    'V1Endpoints': 'Endpoints is a collection of endpoints that implement the actual service.',
    'CoreV1Event': 'Event is a report of an event somewhere in the cluster.',
    'V1ConfigMap': 'ConfigMap holds configuration data for pods to consume.',
    'V1Secret': 'Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.',
    'V1ServiceAccount': 'ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets',
    'V1Deployment': 'Deployment enables declarative updates for Pods and ReplicaSets.',
    'V1ReplicaSet': 'ReplicaSet ensures that a specified number of pod replicas are running at any given time.',
    'V1Lease': 'Lease defines a lease concept.',
    'V1EndpointSlice': 'EndpointSlice represents a subset of the endpoints that implement a service.',
    'V1SelfSubjectAccessReview': 'SelfSubjectAccessReview checks whether or the current user can perform an action.',
    'V1SelfSubjectRulesReview': 'SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace.',
    'V1Scale': 'Scale represents a scaling request for a resource.',
}

def def_name(cls):
    short = KIND_NAME.get(cls, re.sub(r'^V1', '', cls))
    if cls in META: return 'io.k8s.apimachinery.pkg.apis.meta.v1.' + short
    group = DISCOVERY.get(cls) or next((g for p, g in GROUP_PREFIX.items() if cls.startswith(p) and not p.startswith('V1Endpoint')), 'core')
    return f'io.k8s.api.{group}.v1.{short}'

def doc_of(prop):
    text = (prop.fget.__doc__ or '').split('\n\n')
    body = text[1] if len(text) > 2 else ''
    return re.sub(r'\s*# noqa: E501', '', ' '.join(body.split())).strip()

def type_schema(t, out):
    if t.startswith('list['): return {'type': 'array', 'items': type_schema(t[5:-1], out)}
    if t.startswith('dict('): return {'type': 'object', 'additionalProperties': type_schema(t[t.index(',') + 1:-1].strip(), out)}
    prim = {'str': {'type': 'string'}, 'int': {'type': 'integer', 'format': 'int64'}, 'float': {'type': 'number', 'format': 'double'},
            'bool': {'type': 'boolean'}, 'datetime': {'type': 'string', 'format': 'date-time'}, 'date': {'type': 'string', 'format': 'date'},
            'object': {'x-kubernetes-int-or-string': True}, 'bytearray': {'type': 'string', 'format': 'byte'}}
    if t in prim: return dict(prim[t])
    visit(t, out)
    return {'$ref': '#/definitions/' + def_name(t)}

def visit(cls, out):
    name = def_name(cls)
    if name in out: return
    model = getattr(models, cls)
    out[name] = {}
    props, required = {}, []
    for attr, t in model.openapi_types.items():
        json_name = model.attribute_map[attr]
        prop = getattr(model, attr)
        s = type_schema(t, out)
        d = doc_of(prop)
        if d: s['description'] = d
        props[json_name] = s
        try:
            if 'must not be `None`' in inspect.getsource(prop.fset): required.append(json_name)
        except (OSError, TypeError):
            pass
    schema = {'type': 'object', 'properties': props}
    if cls in DESCRIPTIONS: schema['description'] = DESCRIPTIONS[cls]
    if required: schema['required'] = required
    if cls in KINDS or cls in LISTS.values():
        base = cls[:-4] if cls.endswith('List') and cls not in KINDS else cls
        g, v = KINDS.get(base, ('', 'v1'))
        kind = KIND_NAME.get(cls, re.sub(r'^V1', '', cls))
        schema['x-kubernetes-group-version-kind'] = [{'group': g, 'kind': kind, 'version': v}]
    out[name] = schema

defs = {}
for cls in KINDS:
    visit(cls, defs)
    if hasattr(models, cls + 'List') and cls not in ('V1Status', 'V1DeleteOptions', 'V1Scale') and not cls.startswith('V1SelfSubject'):
        visit(cls + 'List', defs)
target = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'backend', 'src', 'sources', 'simulator', 'openapi-schemas.json')
with open(target, 'w') as f:
    json.dump({'source': f'python3-kubernetes {kubernetes.__version__} models', 'definitions': dict(sorted(defs.items()))}, f, indent=0, separators=(',', ':'))
    f.write('\n')
print(f'{len(defs)} definitions -> {os.path.relpath(target)}')
