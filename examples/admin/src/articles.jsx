import { useState } from 'react';
import { useFormContext, useWatch } from 'react-hook-form';
import {
  AutocompleteArrayInput,
  Button,
  ChipField,
  Create,
  Datagrid,
  DateField,
  Edit,
  List,
  NumberField,
  ReferenceArrayField,
  ReferenceArrayInput,
  SaveButton,
  SelectInput,
  SimpleForm,
  SingleFieldList,
  TextField,
  TextInput,
  Toolbar,
  required,
  useDataProvider,
  useNotify,
  useRecordContext,
  useRefresh,
} from 'react-admin';

const STATES = ['draft', 'in_review', 'approved', 'scheduled', 'published', 'archived'].map((id) => ({
  id,
  name: id.replace('_', ' '),
}));

const filters = [
  <TextInput key="q" source="q" label="Search" alwaysOn />,
  <SelectInput key="state" source="state" choices={STATES} />,
  <ReferenceArrayInput key="tag" source="tag_ids" reference="tags" label="Tags">
    <AutocompleteArrayInput optionText="name" />
  </ReferenceArrayInput>,
  <ReferenceArrayInput key="author" source="author_ids" reference="authors" label="Authors">
    <AutocompleteArrayInput optionText="name" />
  </ReferenceArrayInput>,
];

export const ArticleList = () => (
  <List filters={filters} sort={{ field: 'updated_at', order: 'DESC' }}>
    <Datagrid rowClick="edit" bulkActionButtons={false}>
      <TextField source="title" />
      <TextField source="state" />
      <TextField source="locale" />
      <ReferenceArrayField source="author_ids" reference="authors" label="Authors" sortable={false}>
        <SingleFieldList linkType={false}>
          <ChipField source="name" size="small" />
        </SingleFieldList>
      </ReferenceArrayField>
      <NumberField source="version" />
      <DateField source="updated_at" showTime />
    </Datagrid>
  </List>
);

/** The featured image: an upload to the media library, or none. */
const FeaturedImage = () => {
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const { setValue } = useFormContext();
  const image = useWatch({ name: 'featured_image' });
  const upload = async (event) => {
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      const asset = await dataProvider.upload(file);
      setValue(
        'featured_image',
        { asset_id: asset.id, url: asset.url, alt: image?.alt ?? '' },
        { shouldDirty: true },
      );
    } catch (error) {
      notify(error.message, { type: 'error' });
    }
  };
  return (
    <fieldset style={{ border: '1px solid #ddd', borderRadius: 4, margin: '8px 0', width: '100%' }}>
      <legend>Featured image</legend>
      {image?.url && <img src={image.url} alt={image.alt ?? ''} style={{ maxWidth: 240, display: 'block' }} />}
      <input type="file" accept="image/*" aria-label="Upload a featured image" onChange={upload} />
      {image && <TextInput source="featured_image.alt" label="Alt text" fullWidth />}
    </fieldset>
  );
};

/** The Markdown body, with the rendered HTML of the saved version beside it. */
const Body = () => {
  const record = useRecordContext();
  return (
    <div style={{ display: 'flex', gap: 16, width: '100%' }}>
      <TextInput source="body" label="Body (Markdown)" multiline minRows={10} sx={{ flex: 1 }} />
      {record?.body_html && (
        <div
          className="body-preview"
          style={{ flex: 1, borderLeft: '1px solid #ddd', paddingLeft: 16 }}
          // The server sends sanitised HTML.
          dangerouslySetInnerHTML={{ __html: record.body_html }}
        />
      )}
    </div>
  );
};

const ArticleFields = () => (
  <>
    <TextInput source="title" validate={required()} fullWidth />
    <TextInput source="slug" helperText="Made from the title when empty" fullWidth />
    <TextInput source="locale" helperText="BCP 47, such as fr or fr-CA" />
    <TextInput source="subtitle" fullWidth />
    <TextInput source="excerpt" multiline fullWidth />
    <Body />
    <ReferenceArrayInput source="author_ids" reference="authors">
      <AutocompleteArrayInput optionText="name" label="Authors" validate={required()} fullWidth />
    </ReferenceArrayInput>
    <ReferenceArrayInput source="tag_ids" reference="tags">
      <AutocompleteArrayInput optionText="name" label="Tags" fullWidth />
    </ReferenceArrayInput>
    <FeaturedImage />
    <TextInput source="revision_message" label="Note for this revision" fullWidth />
  </>
);

export const ArticleCreate = () => (
  <Create redirect="edit">
    <SimpleForm>
      <ArticleFields />
    </SimpleForm>
  </Create>
);

/** The workflow actions the article's state allows, as buttons. */
const Workflow = () => {
  const record = useRecordContext();
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const refresh = useRefresh();
  const [publishAt, setPublishAt] = useState('');
  if (!record) return null;
  const act = async (action) => {
    const extra = action === 'schedule' ? { publish_at: new Date(publishAt).toISOString() } : {};
    try {
      const article = await dataProvider.transition(record.id, action, extra);
      notify(`${action}: now ${article.state.replace('_', ' ')}`, { type: 'info' });
      refresh();
    } catch (error) {
      notify(error.message, { type: 'error' });
    }
  };
  return (
    <div className="workflow" style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
      <strong data-state={record.state}>State: {record.state.replace('_', ' ')}</strong>
      <span>
        version {record.version}
        {record.published_version ? `, readers see ${record.published_version}` : ', not published'}
      </span>
      {record.allowed_actions.map((action) =>
        action === 'schedule' ? (
          <span key={action}>
            <input
              type="datetime-local"
              aria-label="Publish at"
              value={publishAt}
              onChange={(event) => setPublishAt(event.target.value)}
            />
            <Button label="schedule" data-action="schedule" disabled={!publishAt} onClick={() => act('schedule')} />
          </span>
        ) : (
          <Button key={action} label={action.replace('_', ' ')} data-action={action} onClick={() => act(action)} />
        ),
      )}
    </div>
  );
};

/** A preview link to share the working copy with someone without an account. */
const PreviewLink = () => {
  const record = useRecordContext();
  const dataProvider = useDataProvider();
  const notify = useNotify();
  const [link, setLink] = useState(null);
  if (!record) return null;
  const make = async () => {
    try {
      setLink(await dataProvider.createPreviewLink(record.id));
    } catch (error) {
      notify(error.message, { type: 'error' });
    }
  };
  return (
    <div className="preview-link">
      <Button label="Preview link" onClick={make} />
      {link && (
        <a href={link.url} target="_blank" rel="noreferrer">
          {window.location.origin + link.url}
        </a>
      )}
    </div>
  );
};

/** Revision history, each version with what changed from the one before. */
const Revisions = () => {
  const record = useRecordContext();
  const dataProvider = useDataProvider();
  const [revisions, setRevisions] = useState(null);
  const [diff, setDiff] = useState(null);
  if (!record) return null;
  const load = async () => setRevisions(await dataProvider.revisions('articles', record.id));
  const compare = async (version) =>
    setDiff(await dataProvider.diff('articles', record.id, version - 1, version));
  return (
    <div className="revisions">
      <Button label="Revision history" onClick={load} />
      {revisions && (
        <ul>
          {revisions.map((revision) => (
            <li key={revision.version}>
              v{revision.version} — {new Date(revision.created_at).toLocaleString()}
              {revision.message ? ` — ${revision.message}` : ''}
              {revision.version > 1 && <Button label="diff" onClick={() => compare(revision.version)} />}
            </li>
          ))}
        </ul>
      )}
      {diff && (
        <table className="diff">
          <tbody>
            {diff.changes.map((change) => (
              <tr key={change.field}>
                <th>{change.field}</th>
                <td>
                  <del>{JSON.stringify(change.before)}</del>
                </td>
                <td>
                  <ins>{JSON.stringify(change.after)}</ins>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
};

const EditToolbar = () => (
  <Toolbar>
    <SaveButton />
  </Toolbar>
);

export const ArticleEdit = () => (
  <Edit mutationMode="pessimistic" actions={false} redirect={false}>
    <div style={{ padding: 16, display: 'grid', gap: 8 }}>
      <Workflow />
      <PreviewLink />
    </div>
    <SimpleForm toolbar={<EditToolbar />}>
      <ArticleFields />
    </SimpleForm>
    <div style={{ padding: 16 }}>
      <Revisions />
    </div>
  </Edit>
);
