UPDATE relationships SET started_on = json_extract(doc, '$.started_on');
UPDATE commitments SET text = json_extract(doc, '$.text');
