/*
 * mt_schema_meta: the official JSON Schema draft 2020-12 meta-schemas, so that a schema may
 * refer to "https://json-schema.org/draft/2020-12/schema" (and so that mutua's own schemas can
 * be checked against it), with no network access.
 *
 * The texts below are the content of the documents published at
 *   https://json-schema.org/draft/2020-12/schema
 *   https://json-schema.org/draft/2020-12/meta/{core,applicator,unevaluated,validation,
 *                                               meta-data,format-annotation,content}
 * taken from the copy that santhosh-tekuri/jsonschema vendors (draft.go); the top-level,
 * core and applicator documents were compared with the copy that ajv vendors
 * (lib/refs/json-schema-2020-12/). Indentation may differ from the files served by
 * json-schema.org; the JSON content does not.
 *
 * License of the meta-schemas (json-schema-org/json-schema-spec, BSD-3-Clause):
 *
 * Copyright (c) 2022 JSON Schema Specification Authors
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions are
 * met:
 *
 * 1. Redistributions of source code must retain the above copyright
 * notice, this list of conditions and the following disclaimer.
 *
 * 2. Redistributions in binary form must reproduce the above copyright
 * notice, this list of conditions and the following disclaimer in the
 * documentation and/or other materials provided with the distribution.
 *
 * 3. Neither the name of the copyright holder nor the names of its
 * contributors may be used to endorse or promote products derived from
 * this software without specific prior written permission.
 *
 * THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
 * "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
 * LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
 * A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
 * HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
 * SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED
 * TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR
 * PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
 * LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
 * NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
 * SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
 */
#include "mt_schema.h"

#include <string.h>

static const char mt_schema_meta_schema[] =
  "{\n"
  "    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
  "    \"$id\": \"https://json-schema.org/draft/2020-12/schema\",\n"
  "    \"$vocabulary\": {\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/core\": true,\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/applicator\": true,\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/unevaluated\": true,\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/validation\": true,\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/meta-data\": true,\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/format-annotation\": true,\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/content\": true\n"
  "    },\n"
  "    \"$dynamicAnchor\": \"meta\",\n"
  "\n"
  "    \"title\": \"Core and Validation specifications meta-schema\",\n"
  "    \"allOf\": [\n"
  "        {\"$ref\": \"meta/core\"},\n"
  "        {\"$ref\": \"meta/applicator\"},\n"
  "        {\"$ref\": \"meta/unevaluated\"},\n"
  "        {\"$ref\": \"meta/validation\"},\n"
  "        {\"$ref\": \"meta/meta-data\"},\n"
  "        {\"$ref\": \"meta/format-annotation\"},\n"
  "        {\"$ref\": \"meta/content\"}\n"
  "    ],\n"
  "    \"type\": [\"object\", \"boolean\"],\n"
  "    \"$comment\": \"This meta-schema also defines keywords that have appeared in previous "
  "drafts in order to prevent incompatible extensions as they remain in common use.\",\n"
  "    \"properties\": {\n"
  "        \"definitions\": {\n"
  "            \"$comment\": \"\\\"definitions\\\" has been replaced by \\\"$defs\\\".\",\n"
  "            \"type\": \"object\",\n"
  "            \"additionalProperties\": { \"$dynamicRef\": \"#meta\" },\n"
  "            \"deprecated\": true,\n"
  "            \"default\": {}\n"
  "        },\n"
  "        \"dependencies\": {\n"
  "            \"$comment\": \"\\\"dependencies\\\" has been split and replaced by "
  "\\\"dependentSchemas\\\" and \\\"dependentRequired\\\" in order to serve their differing "
  "semantics.\",\n"
  "            \"type\": \"object\",\n"
  "            \"additionalProperties\": {\n"
  "                \"anyOf\": [\n"
  "                    { \"$dynamicRef\": \"#meta\" },\n"
  "                    { \"$ref\": \"meta/validation#/$defs/stringArray\" }\n"
  "                ]\n"
  "            },\n"
  "            \"deprecated\": true,\n"
  "            \"default\": {}\n"
  "        },\n"
  "        \"$recursiveAnchor\": {\n"
  "            \"$comment\": \"\\\"$recursiveAnchor\\\" has been replaced by "
  "\\\"$dynamicAnchor\\\".\",\n"
  "            \"$ref\": \"meta/core#/$defs/anchorString\",\n"
  "            \"deprecated\": true\n"
  "        },\n"
  "        \"$recursiveRef\": {\n"
  "            \"$comment\": \"\\\"$recursiveRef\\\" has been replaced by \\\"$dynamicRef\\\".\",\n"
  "            \"$ref\": \"meta/core#/$defs/uriReferenceString\",\n"
  "            \"deprecated\": true\n"
  "        }\n"
  "    }\n"
  "}\n";

static const char mt_schema_meta_core[] =
  "{\n"
  "    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
  "    \"$id\": \"https://json-schema.org/draft/2020-12/meta/core\",\n"
  "    \"$vocabulary\": {\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/core\": true\n"
  "    },\n"
  "    \"$dynamicAnchor\": \"meta\",\n"
  "\n"
  "    \"title\": \"Core vocabulary meta-schema\",\n"
  "    \"type\": [\"object\", \"boolean\"],\n"
  "    \"properties\": {\n"
  "        \"$id\": {\n"
  "            \"$ref\": \"#/$defs/uriReferenceString\",\n"
  "            \"$comment\": \"Non-empty fragments not allowed.\",\n"
  "            \"pattern\": \"^[^#]*#?$\"\n"
  "        },\n"
  "        \"$schema\": { \"$ref\": \"#/$defs/uriString\" },\n"
  "        \"$ref\": { \"$ref\": \"#/$defs/uriReferenceString\" },\n"
  "        \"$anchor\": { \"$ref\": \"#/$defs/anchorString\" },\n"
  "        \"$dynamicRef\": { \"$ref\": \"#/$defs/uriReferenceString\" },\n"
  "        \"$dynamicAnchor\": { \"$ref\": \"#/$defs/anchorString\" },\n"
  "        \"$vocabulary\": {\n"
  "            \"type\": \"object\",\n"
  "            \"propertyNames\": { \"$ref\": \"#/$defs/uriString\" },\n"
  "            \"additionalProperties\": {\n"
  "                \"type\": \"boolean\"\n"
  "            }\n"
  "        },\n"
  "        \"$comment\": {\n"
  "            \"type\": \"string\"\n"
  "        },\n"
  "        \"$defs\": {\n"
  "            \"type\": \"object\",\n"
  "            \"additionalProperties\": { \"$dynamicRef\": \"#meta\" }\n"
  "        }\n"
  "    },\n"
  "    \"$defs\": {\n"
  "        \"anchorString\": {\n"
  "            \"type\": \"string\",\n"
  "            \"pattern\": \"^[A-Za-z_][-A-Za-z0-9._]*$\"\n"
  "        },\n"
  "        \"uriString\": {\n"
  "            \"type\": \"string\",\n"
  "            \"format\": \"uri\"\n"
  "        },\n"
  "        \"uriReferenceString\": {\n"
  "            \"type\": \"string\",\n"
  "            \"format\": \"uri-reference\"\n"
  "        }\n"
  "    }\n"
  "}\n";

static const char mt_schema_meta_applicator[] =
  "{\n"
  "    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
  "    \"$id\": \"https://json-schema.org/draft/2020-12/meta/applicator\",\n"
  "    \"$vocabulary\": {\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/applicator\": true\n"
  "    },\n"
  "    \"$dynamicAnchor\": \"meta\",\n"
  "\n"
  "    \"title\": \"Applicator vocabulary meta-schema\",\n"
  "    \"type\": [\"object\", \"boolean\"],\n"
  "    \"properties\": {\n"
  "        \"prefixItems\": { \"$ref\": \"#/$defs/schemaArray\" },\n"
  "        \"items\": { \"$dynamicRef\": \"#meta\" },\n"
  "        \"contains\": { \"$dynamicRef\": \"#meta\" },\n"
  "        \"additionalProperties\": { \"$dynamicRef\": \"#meta\" },\n"
  "        \"properties\": {\n"
  "            \"type\": \"object\",\n"
  "            \"additionalProperties\": { \"$dynamicRef\": \"#meta\" },\n"
  "            \"default\": {}\n"
  "        },\n"
  "        \"patternProperties\": {\n"
  "            \"type\": \"object\",\n"
  "            \"additionalProperties\": { \"$dynamicRef\": \"#meta\" },\n"
  "            \"propertyNames\": { \"format\": \"regex\" },\n"
  "            \"default\": {}\n"
  "        },\n"
  "        \"dependentSchemas\": {\n"
  "            \"type\": \"object\",\n"
  "            \"additionalProperties\": { \"$dynamicRef\": \"#meta\" },\n"
  "            \"default\": {}\n"
  "        },\n"
  "        \"propertyNames\": { \"$dynamicRef\": \"#meta\" },\n"
  "        \"if\": { \"$dynamicRef\": \"#meta\" },\n"
  "        \"then\": { \"$dynamicRef\": \"#meta\" },\n"
  "        \"else\": { \"$dynamicRef\": \"#meta\" },\n"
  "        \"allOf\": { \"$ref\": \"#/$defs/schemaArray\" },\n"
  "        \"anyOf\": { \"$ref\": \"#/$defs/schemaArray\" },\n"
  "        \"oneOf\": { \"$ref\": \"#/$defs/schemaArray\" },\n"
  "        \"not\": { \"$dynamicRef\": \"#meta\" }\n"
  "    },\n"
  "    \"$defs\": {\n"
  "        \"schemaArray\": {\n"
  "            \"type\": \"array\",\n"
  "            \"minItems\": 1,\n"
  "            \"items\": { \"$dynamicRef\": \"#meta\" }\n"
  "        }\n"
  "    }\n"
  "}\n";

static const char mt_schema_meta_unevaluated[] =
  "{\n"
  "    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
  "    \"$id\": \"https://json-schema.org/draft/2020-12/meta/unevaluated\",\n"
  "    \"$vocabulary\": {\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/unevaluated\": true\n"
  "    },\n"
  "    \"$dynamicAnchor\": \"meta\",\n"
  "\n"
  "    \"title\": \"Unevaluated applicator vocabulary meta-schema\",\n"
  "    \"type\": [\"object\", \"boolean\"],\n"
  "    \"properties\": {\n"
  "        \"unevaluatedItems\": { \"$dynamicRef\": \"#meta\" },\n"
  "        \"unevaluatedProperties\": { \"$dynamicRef\": \"#meta\" }\n"
  "    }\n"
  "}\n";

static const char mt_schema_meta_validation[] =
  "{\n"
  "    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
  "    \"$id\": \"https://json-schema.org/draft/2020-12/meta/validation\",\n"
  "    \"$vocabulary\": {\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/validation\": true\n"
  "    },\n"
  "    \"$dynamicAnchor\": \"meta\",\n"
  "\n"
  "    \"title\": \"Validation vocabulary meta-schema\",\n"
  "    \"type\": [\"object\", \"boolean\"],\n"
  "    \"properties\": {\n"
  "        \"type\": {\n"
  "            \"anyOf\": [\n"
  "                { \"$ref\": \"#/$defs/simpleTypes\" },\n"
  "                {\n"
  "                    \"type\": \"array\",\n"
  "                    \"items\": { \"$ref\": \"#/$defs/simpleTypes\" },\n"
  "                    \"minItems\": 1,\n"
  "                    \"uniqueItems\": true\n"
  "                }\n"
  "            ]\n"
  "        },\n"
  "        \"const\": true,\n"
  "        \"enum\": {\n"
  "            \"type\": \"array\",\n"
  "            \"items\": true\n"
  "        },\n"
  "        \"multipleOf\": {\n"
  "            \"type\": \"number\",\n"
  "            \"exclusiveMinimum\": 0\n"
  "        },\n"
  "        \"maximum\": {\n"
  "            \"type\": \"number\"\n"
  "        },\n"
  "        \"exclusiveMaximum\": {\n"
  "            \"type\": \"number\"\n"
  "        },\n"
  "        \"minimum\": {\n"
  "            \"type\": \"number\"\n"
  "        },\n"
  "        \"exclusiveMinimum\": {\n"
  "            \"type\": \"number\"\n"
  "        },\n"
  "        \"maxLength\": { \"$ref\": \"#/$defs/nonNegativeInteger\" },\n"
  "        \"minLength\": { \"$ref\": \"#/$defs/nonNegativeIntegerDefault0\" },\n"
  "        \"pattern\": {\n"
  "            \"type\": \"string\",\n"
  "            \"format\": \"regex\"\n"
  "        },\n"
  "        \"maxItems\": { \"$ref\": \"#/$defs/nonNegativeInteger\" },\n"
  "        \"minItems\": { \"$ref\": \"#/$defs/nonNegativeIntegerDefault0\" },\n"
  "        \"uniqueItems\": {\n"
  "            \"type\": \"boolean\",\n"
  "            \"default\": false\n"
  "        },\n"
  "        \"maxContains\": { \"$ref\": \"#/$defs/nonNegativeInteger\" },\n"
  "        \"minContains\": {\n"
  "            \"$ref\": \"#/$defs/nonNegativeInteger\",\n"
  "            \"default\": 1\n"
  "        },\n"
  "        \"maxProperties\": { \"$ref\": \"#/$defs/nonNegativeInteger\" },\n"
  "        \"minProperties\": { \"$ref\": \"#/$defs/nonNegativeIntegerDefault0\" },\n"
  "        \"required\": { \"$ref\": \"#/$defs/stringArray\" },\n"
  "        \"dependentRequired\": {\n"
  "            \"type\": \"object\",\n"
  "            \"additionalProperties\": {\n"
  "                \"$ref\": \"#/$defs/stringArray\"\n"
  "            }\n"
  "        }\n"
  "    },\n"
  "    \"$defs\": {\n"
  "        \"nonNegativeInteger\": {\n"
  "            \"type\": \"integer\",\n"
  "            \"minimum\": 0\n"
  "        },\n"
  "        \"nonNegativeIntegerDefault0\": {\n"
  "            \"$ref\": \"#/$defs/nonNegativeInteger\",\n"
  "            \"default\": 0\n"
  "        },\n"
  "        \"simpleTypes\": {\n"
  "            \"enum\": [\n"
  "                \"array\",\n"
  "                \"boolean\",\n"
  "                \"integer\",\n"
  "                \"null\",\n"
  "                \"number\",\n"
  "                \"object\",\n"
  "                \"string\"\n"
  "            ]\n"
  "        },\n"
  "        \"stringArray\": {\n"
  "            \"type\": \"array\",\n"
  "            \"items\": { \"type\": \"string\" },\n"
  "            \"uniqueItems\": true,\n"
  "            \"default\": []\n"
  "        }\n"
  "    }\n"
  "}\n";

static const char mt_schema_meta_meta_data[] =
  "{\n"
  "    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
  "    \"$id\": \"https://json-schema.org/draft/2020-12/meta/meta-data\",\n"
  "    \"$vocabulary\": {\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/meta-data\": true\n"
  "    },\n"
  "    \"$dynamicAnchor\": \"meta\",\n"
  "\n"
  "    \"title\": \"Meta-data vocabulary meta-schema\",\n"
  "\n"
  "    \"type\": [\"object\", \"boolean\"],\n"
  "    \"properties\": {\n"
  "        \"title\": {\n"
  "            \"type\": \"string\"\n"
  "        },\n"
  "        \"description\": {\n"
  "            \"type\": \"string\"\n"
  "        },\n"
  "        \"default\": true,\n"
  "        \"deprecated\": {\n"
  "            \"type\": \"boolean\",\n"
  "            \"default\": false\n"
  "        },\n"
  "        \"readOnly\": {\n"
  "            \"type\": \"boolean\",\n"
  "            \"default\": false\n"
  "        },\n"
  "        \"writeOnly\": {\n"
  "            \"type\": \"boolean\",\n"
  "            \"default\": false\n"
  "        },\n"
  "        \"examples\": {\n"
  "            \"type\": \"array\",\n"
  "            \"items\": true\n"
  "        }\n"
  "    }\n"
  "}\n";

static const char mt_schema_meta_format_annotation[] =
  "{\n"
  "    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
  "    \"$id\": \"https://json-schema.org/draft/2020-12/meta/format-annotation\",\n"
  "    \"$vocabulary\": {\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/format-annotation\": true\n"
  "    },\n"
  "    \"$dynamicAnchor\": \"meta\",\n"
  "\n"
  "    \"title\": \"Format vocabulary meta-schema for annotation results\",\n"
  "    \"type\": [\"object\", \"boolean\"],\n"
  "    \"properties\": {\n"
  "        \"format\": { \"type\": \"string\" }\n"
  "    }\n"
  "}\n";

static const char mt_schema_meta_content[] =
  "{\n"
  "    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n"
  "    \"$id\": \"https://json-schema.org/draft/2020-12/meta/content\",\n"
  "    \"$vocabulary\": {\n"
  "        \"https://json-schema.org/draft/2020-12/vocab/content\": true\n"
  "    },\n"
  "    \"$dynamicAnchor\": \"meta\",\n"
  "\n"
  "    \"title\": \"Content vocabulary meta-schema\",\n"
  "\n"
  "    \"type\": [\"object\", \"boolean\"],\n"
  "    \"properties\": {\n"
  "        \"contentEncoding\": { \"type\": \"string\" },\n"
  "        \"contentMediaType\": { \"type\": \"string\" },\n"
  "        \"contentSchema\": { \"$dynamicRef\": \"#meta\" }\n"
  "    }\n"
  "}\n";

static const struct {
  const char *uri;
  const char *text;
} mt_schema_meta_files[] = {
  { "https://json-schema.org/draft/2020-12/schema", mt_schema_meta_schema },
  { "https://json-schema.org/draft/2020-12/meta/core", mt_schema_meta_core },
  { "https://json-schema.org/draft/2020-12/meta/applicator", mt_schema_meta_applicator },
  { "https://json-schema.org/draft/2020-12/meta/unevaluated", mt_schema_meta_unevaluated },
  { "https://json-schema.org/draft/2020-12/meta/validation", mt_schema_meta_validation },
  { "https://json-schema.org/draft/2020-12/meta/meta-data", mt_schema_meta_meta_data },
  { "https://json-schema.org/draft/2020-12/meta/format-annotation",
    mt_schema_meta_format_annotation },
  { "https://json-schema.org/draft/2020-12/meta/content", mt_schema_meta_content },
};

bool
mt_schema_registry_add_metaschema (mt_schema_registry_t *registry, mt_error_t *error)
{
  for (size_t i = 0; i < sizeof mt_schema_meta_files / sizeof mt_schema_meta_files[0]; i++) {
    const char *text = mt_schema_meta_files[i].text;
    if (!mt_schema_registry_add_json (registry, mt_schema_meta_files[i].uri, text, strlen (text),
                                      error)) {
      return false;
    }
  }
  return true;
}
