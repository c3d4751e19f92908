CREATE DATABASE "knowledgebase";
CREATE DATABASE "learning";
CREATE DATABASE "ralph";
