-- Incident workspace (issue 19): a postmortem is edited by people before it is final; final ones are frozen.
ALTER TABLE postmortems ADD COLUMN edited_by TEXT;
ALTER TABLE postmortems ADD COLUMN final_at TIMESTAMPTZ;
ALTER TABLE postmortems ADD COLUMN final_by TEXT;
