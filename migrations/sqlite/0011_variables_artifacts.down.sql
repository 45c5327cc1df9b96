DROP TABLE saved_search;
DROP TABLE artifact_collection;
DROP TABLE artifact;
DROP TABLE variable;
