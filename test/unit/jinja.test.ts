// `## template: jinja` against Python's Jinja2 set up as cloud-init sets it up (sandboxed,
// trim_blocks, the do extension, CI_MISSING_JINJA_VAR for undefined names): a corpus of the
// idioms cloud-init's users write, and generated strings through Python's str methods.
// Jinja2 is Debian's python3-jinja2 (test/setup-machine.sh), under Debian's python3.
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderJinja } from "../../src/userdata/jinja";

// cloud-init's templater and its instance-data aliases ("-", ".", "/", " " read as "_";
// v1 keys at the top level), restated for the test
const PYTHON = String.raw`
import json, re, sys
from jinja2 import DebugUndefined
from jinja2.sandbox import SandboxedEnvironment

class Missing(DebugUndefined):
    def __str__(self):
        return "CI_MISSING_JINJA_VAR/%s" % self._undefined_name

def aliased(d):
    out = {}
    for k, v in d.items():
        v = aliased(v) if isinstance(v, dict) else v
        out[k] = v
        out.setdefault(re.sub(r"[-./ ]", "_", k), v)
    return out

env = SandboxedEnvironment(undefined=Missing, trim_blocks=True, extensions=["jinja2.ext.do"])
results = []
for case in json.load(sys.stdin):
    data = aliased(case["data"])
    for k, v in data.get("v1", {}).items():
        data.setdefault(k, v)
    try:
        # as cloud-init's templater: the newline Jinja2 drops at the end is put back
        add = "\n" if case["template"].endswith("\n") else ""
        results.append(env.from_string(case["template"]).render(**data) + add)
    except Exception as e:
        results.append("ERROR " + type(e).__name__)
print(json.dumps(results))
`;

interface Case {
  template: string;
  data: Record<string, unknown>;
}

function jinja2(cases: Case[]): string[] {
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", PYTHON], { input: JSON.stringify(cases), encoding: "utf8", maxBuffer: 64 << 20 }));
}

function ours(c: Case): string {
  try {
    return renderJinja(`## template: jinja\n${c.template}`, c.data).text;
  } catch {
    return "ERROR";
  }
}

/** Each case rendered by both; errors compare as "both failed", whatever the wording. */
function mismatches(cases: Case[]): { template: string; data?: unknown; jinja2: string; ours: string }[] {
  const expected = jinja2(cases);
  return cases.flatMap((c, i) => {
    const got = ours(c);
    const want = expected[i].startsWith("ERROR ") ? "ERROR" : expected[i];
    return got === want ? [] : [{ template: c.template, ...(c.data.v1 ? {} : { data: c.data }), jinja2: expected[i], ours: got }];
  });
}

const INSTANCE = {
  v1: { instance_id: "iid-datasource-nocloud", local_hostname: "web-1", region: "eu-west-1", platform: "nocloud", public_ssh_keys: ["ssh-ed25519 AAAA a@b", "ssh-rsa BBBB c@d"], availability_zone: null, distro_release: "bookworm" },
  ds: { meta_data: { "local-hostname": "web-1", "instance-id": "iid-datasource-nocloud", tags: { role: "web", env: "prod" }, count: 3, ratio: 0.5, enabled: true } },
  merged_cfg: { users: ["default"] },
};

const FILTERED = { l: ["b", "A", "c", "a"], n: [3, 1, 2], d: { x: 1, y: "z" }, s: "Hello World foo bar", u: [{ name: "a", g: 1 }, { name: "b", g: 2 }] };

// the idioms, each as cloud-init's users write them
const CORPUS = [
  "{% if v1.instance_id.startswith('iid-') %}iid{% else %}other{% endif %}",
  "{{ v1.local_hostname.endswith('-1') }} {{ instance_id.split('-') }} {{ instance_id.rsplit('-', 1)[0] }}",
  "{{ v1.region.upper() }} {{ 'MiXeD'.lower() }} {{ 'hello world'.title() }} {{ '  pad  '.strip() }}|{{ 'xxhixx'.strip('x') }}",
  "{{ local_hostname.replace('-', '_') }} {{ '{}-{}'.format(region, platform) }} {{ '{0}/{name}'.format(1, name='n') }}",
  "{{ ','.join(v1.public_ssh_keys) }} {{ public_ssh_keys | length }} {{ public_ssh_keys[0].split()[0] }} {{ public_ssh_keys[-1] }}",
  "{{ ds.meta_data.get('local-hostname') }} {{ ds.meta_data.get('absent', 'dflt') }} {{ ds.meta_data.get('absent') }}",
  "{% for k, v in ds.meta_data.tags.items() %}{{ k }}={{ v }};{% endfor %}",
  "{% for k in ds.meta_data.tags.keys() %}{{ k }} {% endfor %}{% for v in ds.meta_data.tags.values() %}{{ v }} {% endfor %}",
  "{{ 'role' in ds.meta_data.tags }} {{ 'x' in ds.meta_data.tags }} {{ 'eu' in region }} {{ 'web-1' in [local_hostname] }} {{ 'zz' not in region }}",
  "{% if nope is defined %}yes{% else %}no{% endif %} {{ nope | default('fallback') }} {{ nope }}",
  "a\n{# a comment ends its line #}\nb\n{#- trimmed both sides -#}\n  c\n{# last #}",
  "{% if [] %}a{% endif %}{% if {} %}b{% endif %}{% if '' %}c{% endif %}{% if [0] %}d{% endif %}{% if not {} %}e{% endif %}{{ 'f' if {} else 'g' }}",
  "{{ [] or 'x' }} {{ {} or [] }} {{ [] and 'y' }} {{ 'a' and [1] }} {{ 0 or '' or 'z' }} {{ nope or 'dflt' }} {{ not [] }} {{ not ds.meta_data.tags }}",
  "{% for k, v in {}.items() %}{{ k }}{% else %}empty{% endfor %} {% if ds.meta_data.tags and public_ssh_keys %}both{% endif %}",
  "{{ v1.nope }} {% if v1.nope %}t{% else %}f{% endif %} {{ ds.meta_data.nope }}",
  "{{ availability_zone }} {{ ds.meta_data.enabled }} {{ ds.meta_data.count }} {{ ds.meta_data.ratio }} {{ public_ssh_keys }} {{ ds.meta_data.tags }}",
  "{{ ds.meta_data.tags | tojson }} {{ public_ssh_keys | tojson }} {{ '<a & \\'b\\'>' | tojson }} {{ 'é€😀' | tojson }}",
  "{{ ds.meta_data.tags | tojson(indent=2) }}",
  "{% set parts = [] %}{% for key in public_ssh_keys %}{% do parts.append(key.split()[0]) %}{% endfor %}{{ parts | join(',') }}",
  "{% set d = {'a': 1} %}{% do d.update({'b': 2}) %}{{ d | tojson }} {{ d.get('b') }}",
  "{{ 'a' ~ region ~ 1 }} {{ region[:2] }} {{ region[3:] }} {{ region[::-1] }} {{ public_ssh_keys[1:] | length }}",
  "{{ region | upper }} {{ region | replace('-', '') }} {{ public_ssh_keys | first | truncate(7, True, '') }} {{ ' x ' | trim }}|",
  "{% if region.startswith(('us-', 'eu-')) %}known{% endif %} {{ 'a,b,,c'.split(',') }} {{ 'a b  c'.split(None, 1) }}",
  "#cloud-config\nhostname: {{ v1.local_hostname }}\n{% if v1.platform == 'nocloud' %}\nruncmd:\n  - echo {{ v1.instance_id }}\n{% endif %}\nfinal: done\n",
  "{{ 'x'.zfill(4) }} {{ '-7'.zfill(4) }} {{ 'ab'.ljust(4, '.') }}|{{ 'ab'.rjust(4) }} {{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }}",
  "{{ 'one\\ntwo\\r\\nthree'.splitlines() }} {{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'abcabc'.count('b') }} {{ '42'.isdigit() }} {{ 'x1'.isalpha() }}",
  "{{ ds.meta_data.count * 2 }} {{ 7 // 2 }} {{ 2 ** 10 }} {{ 'yes' if ds.meta_data.enabled else 'no' }} {{ True }} {{ None }} {{ False and True }}",
  // Jinja2's filters
  "{{ l | sort }} {{ l | sort(reverse=true) }} {{ n | sum }} {{ n | max }} {{ n | min }} {{ l | unique | list }} {{ l | max(case_sensitive=true) }}",
  "{{ u | map(attribute='name') | join(',') }} {{ l | map('upper') | list }} {{ l | count }} {{ l | length }} {{ u | map(attribute='nope', default='-') | list }}",
  "{{ '%s-%d %5.2f %-4s| %03d %%' | format('a', 3, 2.5, 'x', 7) }} {{ s | truncate(9) }} {{ s | truncate(17) }} {{ s | truncate(9, True) }} {{ s | wordcount }} {{ s | center(25) }}|",
  "{{ 'a\n\nb\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}|{{ 'a\n\nb' | indent('> ', blank=true) }}",
  "{{ d | dictsort }} {{ ds.meta_data.tags | dictsort(by='value', reverse=true) }} {{ d | items | list }} {{ n | first }} {{ n | last }} {{ l | reverse | list }} {{ 3.7 | int }} {{ 2.567 | round(1) }}",
  "{{ u | selectattr('g', 'equalto', 2) | list }} {{ u | rejectattr('g', 'odd') | list }} {{ n | select('odd') | list }} {{ n | reject('odd') | list }} {{ u | groupby('g') }}",
  "{{ s | replace('o', '0') }} {{ s | lower }} {{ s | title }} {{ s | capitalize }} {{ ' x ' | trim }} {{ l | join }} {{ n | batch(2) | list }}",
  "{{ x | default('d') }} {{ '' | default('e', true) }} {{ s | string }} {{ n | string }} {{ none | string }} {{ d | tojson }} {{ l | random in l }}",
  // what a template can reach is data: no prototype, no constructor, no Function
  "{{ ''.constructor }} {{ region.__class__ }} {{ ds.meta_data.__proto__ }} {{ ds.constructor }} {{ public_ssh_keys.constructor }}",
  "{{ ''.constructor.constructor('return process')() }}",
  "{{ region.split.constructor('return 1')() }}",
  // bare names, filters and includes too: the engine's own objects and the disk stay out of reach
  "{{ constructor }} {{ range.constructor }} {{ toString }}",
  "{% set c = valueOf() %}{{ c }}",
  "{{ __lookupGetter__('__proto__') }}",
  "{{ 'x' | constructor }}",
  "{{ [1] | map('constructor') | list }}",
  "{% include 'etc/hostname' %}",
];

it("a template cannot change how the next one renders (the engine is shared by the process)", () => {
  for (const attempt of ["{% set c = valueOf() %}{% do c.update({'lookup': 1}) %}", "{% do {}.update({'__proto__': {'x': 1}}) %}"]) {
    expect(() => renderJinja(attempt, INSTANCE)).toThrow();
  }
  expect(renderJinja("{{ v1.region }} {{ x }}", INSTANCE)).toEqual({ text: "eu-west-1 CI_MISSING_JINJA_VAR/x", missing: ["x"] });
});

describe("jinja templates render as Jinja2 renders them for cloud-init", () => {
  it(`a corpus of ${CORPUS.length} idioms`, () => {
    expect(mismatches(CORPUS.map((template) => ({ template, data: { ...INSTANCE, ...FILTERED } })))).toEqual([]);
  });

  it("str methods over generated strings", () => {
    const alphabet = fc.constantFrom(..."aAbB -_,.:x1\t\n\r\x0b\x1c\u00a0\u2028é😀'\"\\{}");
    const text = fc.string({ unit: alphabet, maxLength: 12 });
    const small = fc.integer({ min: -4, max: 6 });
    const call = fc.constantFrom(
      "s.startswith(t)", "s.endswith(t)", "s.startswith(t, i)", "s.endswith(t, i, j)", "s.startswith((t, u))",
      "s.split(t)", "s.split()", "s.split(None, i)", "s.split(t, i)", "s.rsplit(t, i)", "s.rsplit()", "s.rsplit(None, i)",
      "s.strip()", "s.strip(t)", "s.lstrip(t)", "s.rstrip()", "s.lower()", "s.upper()", "s.title()", "s.capitalize()",
      "s.replace(t, u)", "s.replace(t, u, i)", "s.find(t)", "s.rfind(t, i)", "s.count(t)", "s.count(t, i, j)", "t.join(s)", "s.join([t, u])",
      "s.partition(t)", "s.rpartition(t)", "s.splitlines()", "s.splitlines(True)", "s.isdigit()", "s.isalpha()", "s.isalnum()", "s.isspace()",
      "s.islower()", "s.isupper()", "s.zfill(j)", "s.ljust(j, '*')", "s.rjust(j)", "s | tojson", "t in s", "s[i]", "s[i:j]", "s[::-1]", "s[j::i]",
      "{'k': s, 'a': [t, i]} | tojson", "s ~ t", "s == t", "[s, t]", "{'k': s}",
    );
    // one Python process for the whole batch: fast-check's per-case runs would start thousands
    const seed = Date.now() % 1_000_000;
    const cases = fc.sample(fc.record({ call, s: text, t: text, u: text, i: small, j: small }), { numRuns: 2000, seed });
    const rendered = cases.map(({ call, ...data }) => ({ template: `{{ ${call} }}`, data }));
    const wrong = mismatches(rendered);
    expect(wrong.slice(0, 5), `${wrong.length} of ${cases.length} differ (seed ${seed})`).toEqual([]);
  });
});
