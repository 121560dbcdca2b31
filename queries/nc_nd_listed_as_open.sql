-- title: Listed as open, licensed NC/ND
-- description: Projects that open-hardware lists present as open, but whose licence forbids commercial use
--   (NC) or derivatives (ND), so they are not open hardware by the OSHWA definition. `claim` quotes the list
--   entry or heading when it says "open".
SELECT v.id, v.name, array_to_string(v.flags, ', ') AS flags, v.category,
       concat_ws('; ', 'hardware: ' || v.hardware_licence, 'documentation: ' || v.documentation_licence,
                 'software: ' || v.software_licence) AS licences,
       v.openness,
       array_to_string(v.sources, ', ') AS listed_by,
       (SELECT first(concat_ws(' — ', array_to_string(s.heading_path, ' > '), s.name, s.description)
                     ORDER BY s.source, s.record_key)
        FROM source_records s
        WHERE (s.project_id = v.id OR list_contains(v.merged_ids, s.project_id))
          AND concat_ws(' ', s.name, s.description, array_to_string(s.heading_path, ' ')) ILIKE '%open%'
       ) AS claim
FROM v_projects v
WHERE len(v.sources) > 0
  AND regexp_matches(upper(concat_ws(' ', v.hardware_licence, v.documentation_licence, v.software_licence)),
                     '\b(NC|ND)\b')
ORDER BY v.category, v.name
