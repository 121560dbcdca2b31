-- 0015 BOM origin: a bill of materials is either one the makers published (a BOM file, a README table) or one
-- ohr derived from their KiCad schematics where they published none; `bom_files.origin` tells them apart so an
-- analyst can leave derived BOMs out. `bom_lines.footprint` keeps the footprint/package a part is placed with,
-- where the format names one (InteractiveHtmlBom pages, EAGLE part lists, schematics).
-- Every BOM stored before this migration was read from a file or README: 'published'.

ALTER TABLE bom_files ADD COLUMN origin VARCHAR DEFAULT 'published';  -- published | derived from schematic
UPDATE bom_files SET origin = 'published' WHERE origin IS NULL;
ALTER TABLE bom_lines ADD COLUMN footprint VARCHAR;
