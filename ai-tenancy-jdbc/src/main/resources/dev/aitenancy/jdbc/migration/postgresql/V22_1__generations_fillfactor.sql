-- Room on each page of ai_generations for the finished version of a started row: the update that
-- finishes a call changes no indexed column, so with room on the row's page it is a heap-only
-- update, which writes no index entry. It applies to pages written from now on.
ALTER TABLE ai_generations SET (fillfactor = 70);
