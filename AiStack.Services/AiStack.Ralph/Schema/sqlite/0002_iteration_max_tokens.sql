-- Answer length per llm iteration that the task asked for (null: the llm_max_tokens setting).
ALTER TABLE tasks ADD COLUMN iteration_max_tokens INTEGER NULL;
