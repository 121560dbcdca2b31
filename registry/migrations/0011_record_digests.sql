-- 0011 record digests: a digest per source document (a list README, a hub API page) of the records its
-- adapter parsed from it, in order, as they were last stored. `ohr renormalize` parses every source
-- document again and stores its records only when their digest differs: re-storing 20,000 unchanged
-- records of a list costs seconds (upserts into three large tables) and writes nothing. A crawl writes the
-- digest of what it stored so far after each batch, so a crawl that stopped half-way through a document
-- leaves a digest that matches no full parse. Deleting rows here only makes the next renormalize store
-- those documents' records again.

CREATE TABLE record_digests (
    document_url  VARCHAR NOT NULL,   -- documents.url the records were parsed from
    digest        VARCHAR NOT NULL    -- sha1 of the records' reprs, in the order the adapter gave them
);
