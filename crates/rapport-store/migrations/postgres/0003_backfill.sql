UPDATE relationships SET started_on = doc::jsonb ->> 'started_on';
UPDATE commitments SET text = doc::jsonb ->> 'text';
