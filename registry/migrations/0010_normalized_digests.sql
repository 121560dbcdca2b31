-- 0010 normalized digests: a digest per project of the rows the normalizers last wrote for it (licences,
-- maturity, manifests, bom_files, bom_lines), so running them again (`ohr renormalize`, a re-crawl of an
-- unchanged project) rewrites only the projects whose rows come out different. registry/normalized.py is
-- the only writer of those five tables; anything else that changes them must delete the project's digest.
-- A registry upgraded to 0010 has no digests yet: its next run writes every project once, as before.

CREATE TABLE normalized_digests (
    project_id  VARCHAR NOT NULL,   -- projects.id
    digest      VARCHAR NOT NULL    -- sha1 of the project's normalized rows as the normalizers gave them
);
